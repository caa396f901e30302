// Differential test: optguard's engine against uBlock Origin's own (@gorhill/ubo-core) on the
// shared request corpus with Debian's EasyList + EasyPrivacy. Block decisions must agree on
// >= 99.9 % of requests, and every request where they differ must be listed, with the reason,
// in differential.expectations.json (a listed difference that no longer occurs fails too, so
// the file stays true).
//
// Run: node --test tests/filters/   (OPTGUARD_BIN = the optguard binary to test;
//      default build/release/host/app/optguard; the corpus is ../shared/data/requests.jsonl
//      beside the repository, or OPTGUARD_CORPUS)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST_DIR, createUbo, readCorpus, readLists, uboMatch } from './ubo.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const corpusPath = process.env.OPTGUARD_CORPUS ?? resolve(root, '../shared/data/requests.jsonl');
const bin = resolve(root, process.env.OPTGUARD_BIN ?? 'build/release/host/app/optguard');
const expectations = JSON.parse(readFileSync(join(here, 'differential.expectations.json'), 'utf8'));

const key = (r) => `${r.type} ${r.url} ${r.source}`;

export function runOptguard(requests) {
  const home = mkdtempSync(join(tmpdir(), 'optguard-diff-'));
  try {
    const input = requests.map((r) => JSON.stringify({ url: r.url, source: r.source, type: r.type })).join('\n') + '\n';
    // Only EasyList + EasyPrivacy, as uBO gets them: the other categories are switched off
    // (a fresh home has no custom or learned list; the built-in social list is turned off).
    const out = spawnSync(bin, ['check', '--batch', '-', '--json', '--off', 'social', '--off', 'custom', '--off', 'learned'], {
      input,
      env: { ...process.env, OPTGUARD_HOME: home, OPTGUARD_SYSTEM_LISTS: LIST_DIR },
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    assert.equal(out.status, 0, `optguard check failed: ${out.stderr}`);
    const lines = out.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, requests.length, 'one verdict per request, in order');
    return lines.map((l) => JSON.parse(l));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// The corpus and optguard's verdicts on it, read and computed once for both tests.
let corpusRun;
function corpusVerdicts() {
  if (!corpusRun) {
    const requests = readCorpus(corpusPath);
    corpusRun = { requests, ours: runOptguard(requests) };
  }
  return corpusRun;
}

test('optguard and uBlock Origin make the same block decisions', { timeout: 600_000 }, async (t) => {
  if (!existsSync(corpusPath)) {
    t.skip(`no corpus at ${corpusPath}`);
    return;
  }
  assert.ok(existsSync(bin), `no optguard binary at ${bin} (set OPTGUARD_BIN)`);
  const { requests, ours } = corpusVerdicts();
  const [snfe] = await createUbo(readLists());
  const ubo = requests.map((r) => uboMatch(snfe, r));

  const expected = new Map(expectations.differences.map((d) => [key(d), d]));
  const unexplained = [];
  const seen = new Set();
  let same = 0;
  let uboBlocked = 0;
  let uboAllowed = 0;
  let ourBlocked = 0;
  let ourAllowed = 0;
  requests.forEach((r, i) => {
    const u = ubo[i] === 1;
    const o = ours[i].verdict === 'block';
    uboBlocked += u ? 1 : 0;
    uboAllowed += ubo[i] === 2 ? 1 : 0;
    ourBlocked += o ? 1 : 0;
    ourAllowed += ours[i].verdict === 'allow' ? 1 : 0;
    if (u === o) {
      same += 1;
      return;
    }
    const k = key(r);
    seen.add(k);
    if (!expected.has(k)) {
      unexplained.push({ ...r, ubo: u ? 'block' : 'none', optguard: ours[i].verdict, filter: ours[i].filter });
    }
  });
  const agreement = same / requests.length;
  t.diagnostic(
    `agreement ${(agreement * 100).toFixed(3)} % (${same}/${requests.length}); uBO blocked ${uboBlocked}, ` +
      `allowed by exception ${uboAllowed}; optguard blocked ${ourBlocked}, allowed by exception ${ourAllowed}`,
  );
  const stale = expectations.differences.filter((d) => !seen.has(key(d)));
  assert.deepEqual(unexplained, [], 'differences not explained in differential.expectations.json');
  assert.deepEqual(stale, [], 'expectations listing a difference that no longer occurs');
  assert.ok(agreement >= 0.999, `agreement ${agreement} below 99.9 %`);
  // The exception path agrees too (uBO answers 2 when an exception overrode a block).
  assert.equal(ourAllowed, uboAllowed, 'requests where an exception overrode a block');
});

// The benchmark's own half (tests/bench/engines.mjs reads it): it times every request of the
// corpus exactly once, in its batches, and its block count is check's on the same lists.
test('bench match times each request once and blocks what check blocks', { timeout: 600_000 }, (t) => {
  if (!existsSync(corpusPath)) {
    t.skip(`no corpus at ${corpusPath}`);
    return;
  }
  const { requests, ours } = corpusVerdicts();
  const blocked = ours.filter((v) => v.verdict === 'block').length;
  const home = mkdtempSync(join(tmpdir(), 'optguard-bench-'));
  try {
    const out = spawnSync(bin, ['bench', 'match', '--corpus', corpusPath, '--json'], {
      env: { ...process.env, OPTGUARD_HOME: home, OPTGUARD_SYSTEM_LISTS: LIST_DIR },
      encoding: 'utf8',
    });
    assert.equal(out.status, 0, `optguard bench match failed: ${out.stderr}`);
    const figures = JSON.parse(out.stdout);
    assert.equal(figures.requests, requests.length);
    assert.equal(figures.blocked, blocked);
    for (const k of ['parse_ms', 'cache_load_ms', 'rss_mb', 'median_us', 'p99_us', 'mean_us']) {
      assert.ok(Number.isFinite(figures[k]) && figures[k] > 0, `${k}: ${figures[k]}`);
    }
    assert.ok(figures.median_us <= figures.p99_us);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
