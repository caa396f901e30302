// Engines benchmark: optguard's matcher beside uBlock Origin's (@gorhill/ubo-core) and
// Ghostery's (@ghostery/adblocker), on the same request corpus and the same lists
// (Debian's EasyList + EasyPrivacy), in the same run. Each engine runs in its own process.
// Every figure is per request from the raw url/source/type strings (URL parsing included),
// timed after one untimed warm-up pass over the corpus, in batches of 1000 requests (one
// classify message) whose strings are made just before the batch is timed.
//
//   node tests/bench/engines.mjs [--corpus FILE] [--bin build/release/host/app/optguard] [--json]
//
// Memory is the resident set the engine adds to its process (RSS after the timed pass minus
// RSS before the lists were loaded; Node processes run with --expose-gc and collect first).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(root, '../shared/data/requests.jsonl') },
    bin: { type: 'string', default: process.env.OPTGUARD_BIN ?? resolve(root, 'build/release/host/app/optguard') },
    json: { type: 'boolean', default: false },
    peer: { type: 'string' },
  },
});

function stats(times) {
  const s = Float64Array.from(times).sort();
  const at = (p) => s[Math.floor(p * (s.length - 1))];
  return { median_us: at(0.5), p99_us: at(0.99), mean_us: times.reduce((a, b) => a + b, 0) / times.length };
}

function rssMb() {
  globalThis.gc?.();
  return process.memoryUsage().rss / (1024 * 1024);
}

// Runs one peer engine in this process and prints its figures as JSON.
async function runPeer(name) {
  const { readLists, readCorpus, LIST_DIR } = await import('../filters/ubo.mjs');
  const corpus = readCorpus(args.corpus);
  const lists = readLists();
  const rss0 = rssMb();
  let match;
  let parseMs;
  if (name === 'ubo') {
    const { createUbo, uboMatch } = await import('../filters/ubo.mjs');
    const [snfe, ms] = await createUbo(lists);
    parseMs = ms;
    match = (r) => uboMatch(snfe, r) === 1;
  } else {
    const { FiltersEngine, Request } = await import('@ghostery/adblocker');
    const t0 = process.hrtime.bigint();
    const engine = FiltersEngine.parse(lists.map((l) => l.raw).join('\n'), {
      loadCosmeticFilters: false,
      loadNetworkFilters: true,
    });
    parseMs = Number(process.hrtime.bigint() - t0) / 1e6;
    match = (r) => engine.match(Request.fromRawDetails({ url: r.url, sourceUrl: r.source, type: r.type })).match;
  }
  void LIST_DIR;
  for (const r of corpus) match(r); // warm-up, results discarded
  // Timed in batches of classify's size, each batch's strings made fresh (JSON.parse) just
  // before it is timed, not timed: as optguard's bench match copies each batch, and as a
  // browser hands an engine strings it has just made. As there too, a batch's times go to a
  // small array that stays cached and are copied out after the batch.
  const BATCH = 1000;
  const times = new Float64Array(corpus.length);
  const batchTimes = new Float64Array(BATCH);
  let blocked = 0;
  for (let from = 0; from < corpus.length; from += BATCH) {
    const batch = JSON.parse(JSON.stringify(corpus.slice(from, from + BATCH)));
    for (let k = 0; k < batch.length; k += 1) {
      const t0 = process.hrtime.bigint();
      const b = match(batch[k]);
      batchTimes[k] = Number(process.hrtime.bigint() - t0) / 1e3;
      if (b) blocked += 1;
    }
    times.set(batchTimes.subarray(0, batch.length), from);
  }
  const rss1 = rssMb();
  // What the two hrtime reads around each call add to every figure (median of empty pairs),
  // printed beside optguard's own timer cost so the harnesses can be compared.
  const empty = new Float64Array(100000);
  for (let i = 0; i < empty.length; i += 1) {
    const t0 = process.hrtime.bigint();
    empty[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  const timerUs = empty.sort()[empty.length >> 1];
  console.log(JSON.stringify({ engine: name, requests: corpus.length, blocked, parse_ms: parseMs, cache_load_ms: null, rss_mb: rss1 - rss0, timer_overhead_us: timerUs, ...stats(times) }));
}

function runChild(name) {
  const out = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--peer', name, '--corpus', args.corpus], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (out.status !== 0) throw new Error(`${name} failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

function runOptguard() {
  const out = spawnSync(args.bin, ['bench', 'match', '--corpus', args.corpus, '--json'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`optguard failed (${args.bin}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim());
}

if (args.peer) {
  await runPeer(args.peer);
} else {
  readFileSync(args.corpus); // fail early on a missing corpus
  const og = runOptguard();
  const ubo = runChild('ubo');
  const ghostery = runChild('ghostery');
  const rows = [
    ['median µs', 'median_us', 3],
    ['p99 µs', 'p99_us', 3],
    ['mean µs', 'mean_us', 3],
    ['parse ms', 'parse_ms', 1],
    ['memory MB', 'rss_mb', 1],
    ['blocked', 'blocked', 0],
  ];
  if (args.json) {
    console.log(JSON.stringify({ optguard: og, ubo, ghostery }, null, 2));
  } else {
    const fmt = (v, d) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
    const ratio = (peer, ours, key) => (key === 'blocked' ? '' : `${(peer / ours).toFixed(1)}×`);
    console.log(`corpus ${args.corpus}: ${og.requests} requests; lists: Debian EasyList + EasyPrivacy`);
    console.log(`${'figure'.padEnd(12)}${'optguard'.padStart(11)}${'uBO'.padStart(11)}${'Ghostery'.padStart(11)}${'uBO/og'.padStart(9)}${'Ghost/og'.padStart(10)}`);
    for (const [label, key, d] of rows) {
      console.log(
        `${label.padEnd(12)}${fmt(og[key], d).padStart(11)}${fmt(ubo[key], d).padStart(11)}${fmt(ghostery[key], d).padStart(11)}` +
          `${ratio(ubo[key], og[key], key).padStart(9)}${ratio(ghostery[key], og[key], key).padStart(10)}`,
      );
    }
    console.log(`${'cache load'.padEnd(12)}${fmt(og.cache_load_ms, 2).padStart(11)} ms (optguard's compiled cache; peers parse the lists)`);
    console.log(`${'timer µs'.padEnd(12)}${fmt(og.timer_overhead_us, 3).padStart(11)}${fmt(ubo.timer_overhead_us, 3).padStart(11)}${fmt(ghostery.timer_overhead_us, 3).padStart(11)}  (cost of the clock reads around each request, inside every figure above)`);
  }
}
