// Loads the rulesets `optguard compile-dnr` generates into a minimal MV3 test extension in
// headless Chromium AND Firefox ESR (puppeteer-core) and fails on any rule a browser rejects
// or ignores. Standalone: node --test tests/dnr/rulesets-load.e2e.mjs
//
// Signals used, per browser (all read from an extension page of the test extension):
//  1. getEnabledRulesets(): all three static rulesets are enabled (Firefox refuses to enable a
//     ruleset that would pass its 30,000-rule or 1,000-regex quota).
//  2. getAvailableStaticRuleCount() read with every ruleset disabled, then with one enabled:
//     the drop is the number of rules the browser accepted from that ruleset (Chromium
//     indexes only valid rules — a regex over RE2's memory cap is silently left out;
//     Firefox counts its validated rules). It must equal the number of rules in the file.
//  3. Every rule installed again as a session rule, in chunks: updateSessionRules rejects
//     the call with the offending rule's id and the reason where a static ruleset would
//     only warn (or, in Chromium, say nothing).
//  4. isRegexSupported() for every regexFilter.
//  5. testMatchOutcome() (where the browser has it) on known tracker URLs: the rule that
//     blocks them comes from the expected ruleset.
//
// Binary: $OPTGUARD_BIN (default build/release/host/app/optguard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.OPTGUARD_BIN ?? path.join(ROOT, 'build/release/host/app/optguard');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium';
const FIREFOX = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
const RULESETS = ['advertising', 'tracking', 'social'];
const GECKO_ID = 'dnr-rulesets-test@optguard.org';
const FIREFOX_UUID = '0d7c3b8e-5a1f-4c2d-9e6b-7f8a9b0c1d2e';
// Known trackers each ruleset must block (initiator: an unrelated site).
const PROBES = [
  { ruleset: 'social', url: 'https://connect.facebook.net/en_US/sdk.js', type: 'script' },
  { ruleset: 'social', url: 'https://platform.twitter.com/widgets.js', type: 'script' },
  { ruleset: 'tracking', url: 'https://www.google-analytics.com/analytics.js', type: 'script' },
  { ruleset: 'advertising', url: 'https://securepubads.g.doubleclick.net/tag/js/gpt.js', type: 'script' },
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optguard-dnr-load-'));
const extDir = path.join(tmp, 'extension');
let setupError = null;

function buildExtension() {
  if (!fs.existsSync(BIN)) throw new Error(`no optguard binary at ${BIN} (set OPTGUARD_BIN or build it)`);
  fs.mkdirSync(path.join(extDir, 'rulesets'), { recursive: true });
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  execFileSync(BIN, ['compile-dnr', '--out', path.join(extDir, 'rulesets'), '--json'], {
    env: { ...process.env, OPTGUARD_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(path.join(extDir, 'rulesets', 'report.json'));
  const manifest = {
    manifest_version: 3,
    name: 'optguard DNR ruleset load test',
    version: '1.0',
    permissions: ['declarativeNetRequest', 'declarativeNetRequestFeedback'],
    host_permissions: ['<all_urls>'],
    background: { service_worker: 'bg.js', scripts: ['bg.js'] },
    declarative_net_request: {
      rule_resources: RULESETS.map((id) => ({ id, enabled: true, path: `rulesets/${id}.json` })),
    },
    browser_specific_settings: { gecko: { id: GECKO_ID } },
    content_security_policy: { extension_pages: "script-src 'self'; object-src 'self'" },
  };
  fs.writeFileSync(path.join(extDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  fs.writeFileSync(path.join(extDir, 'bg.js'), '// nothing: the rulesets load from the manifest\n');
  fs.writeFileSync(path.join(extDir, 'check.html'), '<!doctype html><meta charset="utf-8"><script src="check.js"></script>\n');
  fs.writeFileSync(path.join(extDir, 'check.js'), `(${pageCheck.toString()})(${JSON.stringify({ RULESETS, PROBES })});\n`);
}

// Runs inside the extension page; leaves its findings in globalThis.__result.
function pageCheck({ RULESETS, PROBES }) {
  const dnr = (globalThis.browser ?? globalThis.chrome).declarativeNetRequest;
  const run = async () => {
    const out = { enabled: [], accepted: {}, inFile: {}, sessionErrors: [], regexUnsupported: [], probes: [], limits: {} };
    for (const k of ['GUARANTEED_MINIMUM_STATIC_RULES', 'MAX_NUMBER_OF_REGEX_RULES', 'MAX_NUMBER_OF_SESSION_RULES']) out.limits[k] = dnr[k];
    out.enabled = await dnr.getEnabledRulesets();
    const rules = {};
    for (const id of RULESETS) {
      rules[id] = await (await fetch(`rulesets/${id}.json`)).json();
      out.inFile[id] = rules[id].length;
    }
    // 2. accepted rules per ruleset
    await dnr.updateEnabledRulesets({ disableRulesetIds: RULESETS });
    const none = await dnr.getAvailableStaticRuleCount();
    for (const id of RULESETS) {
      await dnr.updateEnabledRulesets({ enableRulesetIds: [id] });
      out.accepted[id] = none - (await dnr.getAvailableStaticRuleCount());
      await dnr.updateEnabledRulesets({ disableRulesetIds: [id] });
    }
    await dnr.updateEnabledRulesets({ enableRulesetIds: RULESETS });
    // 5. which ruleset blocks the probes (all rulesets enabled)
    if (typeof dnr.testMatchOutcome === 'function') {
      for (const p of PROBES) {
        try {
          const r = await dnr.testMatchOutcome({ url: p.url, type: p.type, initiator: 'https://news.example' });
          out.probes.push({ ...p, matched: (r.matchedRules ?? []).map((m) => m.rulesetId) });
        } catch (e) {
          out.probes.push({ ...p, error: String(e?.message ?? e) });
        }
      }
    } else {
      out.probes = null;
    }
    // 3. every rule as a session rule, in chunks under MAX_NUMBER_OF_SESSION_RULES
    const chunk = Math.min(4000, (dnr.MAX_NUMBER_OF_SESSION_RULES ?? 5000) - 100);
    for (const id of RULESETS) {
      for (let i = 0; i < rules[id].length; i += chunk) {
        const part = rules[id].slice(i, i + chunk);
        const existing = (await dnr.getSessionRules()).map((r) => r.id);
        try {
          await dnr.updateSessionRules({ removeRuleIds: existing, addRules: part });
          const got = (await dnr.getSessionRules()).length;
          if (got !== part.length) out.sessionErrors.push(`${id}[${i}..]: ${got} of ${part.length} installed`);
        } catch (e) {
          out.sessionErrors.push(`${id}[${i}..]: ${String(e?.message ?? e)}`);
        }
      }
    }
    await dnr.updateSessionRules({ removeRuleIds: (await dnr.getSessionRules()).map((r) => r.id) });
    // 4. regexes
    for (const id of RULESETS) {
      for (const r of rules[id]) {
        if (!r.condition.regexFilter) continue;
        const s = await dnr.isRegexSupported({ regex: r.condition.regexFilter, isCaseSensitive: !!r.condition.isUrlFilterCaseSensitive });
        if (!s.isSupported) out.regexUnsupported.push({ ruleset: id, id: r.id, regex: r.condition.regexFilter, reason: s.reason });
      }
    }
    return out;
  };
  run().then(
    (r) => { globalThis.__result = { ok: true, ...r }; },
    (e) => { globalThis.__result = { ok: false, error: String(e?.stack ?? e) }; },
  );
}

async function waitFor(fn, what, timeout = 120000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runIn(name) {
  const profile = path.join(tmp, `profile-${name}`);
  fs.mkdirSync(profile);
  let browser;
  let base;
  if (name === 'chromium') {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      enableExtensions: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-component-update', '--no-first-run',
        '--disable-background-networking', `--load-extension=${extDir}`, `--disable-extensions-except=${extDir}`],
    });
    const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/bg.js'), { timeout: 30000 });
    base = worker.url().replace(/bg\.js$/, '');
  } else {
    const home = path.join(tmp, 'home-firefox');
    fs.mkdirSync(home, { recursive: true });
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      env: { ...process.env, HOME: home, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
        'extensions.dnr.feedback': true, // testMatchOutcome
      },
    });
    await browser.installExtension(extDir);
    base = `moz-extension://${FIREFOX_UUID}/`;
  }
  try {
    const page = await browser.newPage();
    page.goto(`${base}check.html`, { timeout: 60000 }).catch(() => {});
    return await waitFor(() => page.evaluate(() => globalThis.__result ?? null), `${name}: the check page`, 300000);
  } finally {
    await browser.close();
  }
}

try {
  buildExtension();
} catch (e) {
  setupError = e;
}

for (const [name, bin] of [['chromium', CHROMIUM], ['firefox', FIREFOX]]) {
  test(`${name}: every rule of the generated rulesets is accepted`, { timeout: 600000 }, async (t) => {
    if (setupError) throw setupError;
    if (!fs.existsSync(bin)) return t.skip(`${bin} is not installed`);
    const r = await runIn(name);
    assert.ok(r.ok, r.error);
    t.diagnostic(`${name}: limits ${JSON.stringify(r.limits)}; accepted ${JSON.stringify(r.accepted)} of ${JSON.stringify(r.inFile)}`);
    for (const e of r.sessionErrors) t.diagnostic(`${name}: session rules: ${e}`);
    for (const u of r.regexUnsupported) t.diagnostic(`${name}: regex not supported: ${JSON.stringify(u)}`);
    assert.deepEqual([...r.enabled].sort(), [...RULESETS].sort(), 'all three rulesets are enabled');
    for (const id of RULESETS) {
      assert.ok(r.inFile[id] > 0, `${id}.json has rules`);
      assert.equal(r.accepted[id], r.inFile[id], `${name} accepted every rule of ${id}.json`);
    }
    assert.deepEqual(r.sessionErrors, [], 'every rule installs as a session rule');
    assert.deepEqual(r.regexUnsupported, [], 'every regexFilter is supported');
    if (r.probes === null) {
      t.diagnostic(`${name}: no testMatchOutcome; probes skipped`);
    } else {
      for (const p of r.probes) {
        assert.ok(!p.error, `${p.url}: ${p.error}`);
        assert.ok(p.matched.includes(p.ruleset), `${p.url} is matched by the ${p.ruleset} ruleset (got ${JSON.stringify(p.matched)})`);
      }
    }
  });
}

test.after(() => {
  if (!process.env.OPTGUARD_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});
