#!/usr/bin/env node
// Benchmark (a command, not a test): page load with and without optguard, and the native
// round trip as the extension sees it.
//
//   node tests/e2e/bench-pageload.mjs [--loads 15] [--browsers chromium,firefox] [--pings 300]
//
// The page has 200 third-party tracking pixels from real tracker hosts (EasyPrivacy/EasyList
// `||host^` lines, 50 hosts x 4) and 20 first-party images, served by the local server with a
// 5-20 ms delay per request like a real network. Each browser runs twice in the same run: one
// instance with the extension and the real host, one without any extension; loads alternate
// between them. Figures are printed side by side; nothing is asserted.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { launchBrowser, browserAvailable } from './harness/browsers.mjs';
import { HostHome, ensureRulesets, HOST_NAME, ECHO_HOST_NAME, optguardBin } from './harness/nativehost.mjs';
import os from 'node:os';
import { ExtensionControl } from './harness/extension.mjs';
import { startServer } from './harness/server.mjs';
import { SITE, allHosts, benchTrackerHosts } from './harness/hosts.mjs';

const { values: args } = parseArgs({
  options: {
    loads: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    browsers: { type: 'string', default: process.env.OPTGUARD_E2E_BROWSERS ?? 'chromium,firefox' },
    pings: { type: 'string', default: '300' },
    pixels: { type: 'string', default: '200' },
    images: { type: 'string', default: '20' },
  },
});
const LOADS = Number(args.loads);
const WARMUP = Number(args.warmup);
const PINGS = Number(args.pings);
const PIXELS = Number(args.pixels);
const IMAGES = Number(args.images);
const SETTLE_MS = 3000;

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};
const median = (xs) => quantile(xs, 0.5);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

// A network stand-in: 5-20 ms per request, deterministic per request number.
let n = 0;
const delayMs = () => 5 + ((n++ * 7919) % 16);

const rules = ensureRulesets();
if (!rules.ok) console.log(`note: ${rules.reason} (the extension runs without list rules)`);
const trackerHosts = benchTrackerHosts(50);
const server = await startServer({ delayMs });
const hosts = allHosts({ bench: true });
let tok = 0;
const pageUrl = () =>
  server.url(SITE, `/bench?tok=b${tok++}&n=${PIXELS}&m=${IMAGES}&hosts=${trackerHosts.join(',')}`);

/** One page load in a fresh tab; returns {ms, trackerHits} (navigation start → load event end). */
async function loadOnce(session) {
  const page = await session.newPage();
  const url = pageUrl();
  const t = new URL(url).searchParams.get('tok');
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  const ms = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav.loadEventEnd - nav.startTime;
  });
  await page.close();
  const trackerHits = server.requests((r) => r.path.startsWith(`/r/${t}/t`)).length;
  return { ms, trackerHits };
}

/**
 * Native round trips timed inside the extension's background context, sequential, after 20
 * warm-up pings on each open port, for each of `modes`:
 *   extension  ping through the extension's own host connection (what its code waits for);
 *   raw        postMessage -> onMessage on a bare connectNative port to the same host;
 *   echo       the same on a port to a trivial echo host (the browser's own floor).
 * The paths take turns a group of GROUP pings at a time (every port stays open), so a busy
 * moment on the machine hits them alike and their ratio holds even when the figures move.
 */
async function roundTrips(session, ext, count, modes) {
  const fn = async (count, modes, names) => {
    const ns = globalThis.browser ?? globalThis.chrome;
    const bg = globalThis.optguard ? globalThis : await ns.runtime.getBackgroundPage();
    const perf = bg.performance;
    const pingers = {};
    const ports = [];
    for (const mode of modes) {
      if (mode === 'extension') {
        const host = bg.optguard.host;
        pingers[mode] = () => host.request('ping', {});
        continue;
      }
      const port = (bg.browser ?? bg.chrome).runtime.connectNative(mode === 'echo' ? names.echo : names.host);
      ports.push(port);
      let waiting = null;
      port.onMessage.addListener((m) => waiting?.(m));
      let id = 0;
      pingers[mode] = () =>
        new Promise((resolve) => {
          waiting = resolve;
          port.postMessage({ id: ++id, type: 'ping' });
        });
    }
    // Warm-up (the first message on a bare port starts its host).
    for (const mode of modes) for (let i = 0; i < 20; i++) await pingers[mode]();
    // Chromium coarsens performance.now() to 0.1 ms outside cross-origin isolation, so single
    // samples only resolve 0.1 ms. Each group of GROUP consecutive pings is timed as a whole
    // too: its mean resolves 0.1 ms / GROUP, and the median over groups is the fine median.
    const GROUP = 10;
    const out = Object.fromEntries(modes.map((m) => [m, { times: [], groups: [], total: 0 }]));
    for (let done = 0; done < count; done += GROUP) {
      for (const mode of modes) {
        const o = out[mode];
        const ping = pingers[mode];
        const g0 = perf.now();
        for (let i = 0; i < GROUP; i++) {
          const t0 = perf.now();
          await ping();
          o.times.push(perf.now() - t0);
        }
        const g = perf.now() - g0;
        o.groups.push(g / GROUP);
        o.total += g;
      }
    }
    for (const port of ports) port.disconnect();
    return Object.fromEntries(
      modes.map((m) => [m, { times: out[m].times, groups: out[m].groups, mean: out[m].total / out[m].times.length }]),
    );
  };
  const names = { host: HOST_NAME, echo: ECHO_HOST_NAME };
  if (session.name === 'chromium') {
    const sw = await session.serviceWorker();
    return sw.evaluate(fn, count, modes, names);
  }
  return ext.page.evaluate(fn, count, modes, names);
}

const summary = (rt) => ({ median: median(rt.groups), single: median(rt.times), p95: quantile(rt.times, 0.95), mean: rt.mean });

const rows = [];
for (const name of args.browsers.split(',').map((s) => s.trim()).filter(Boolean)) {
  if (!browserAvailable(name)) {
    console.log(`${name}: not installed, skipped`);
    continue;
  }
  const home = new HostHome();
  const withExt = await launchBrowser(name, { host: home, hosts });
  const without = await launchBrowser(name, { host: null, extensionDir: null, hosts });
  try {
    const ext = await ExtensionControl.open(withExt);
    await ext.waitReady({ host: true, timeout: 30000 });
    // Round trips with the connection idle (before the page loads make it busy with evidence),
    // the three paths taking turns, once both instances have settled: the instance without the
    // extension has only just started, and its start-up work would land on the first pings.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rt = await roundTrips(withExt, ext, PINGS, ['extension', 'raw', 'echo']);
    for (let i = 0; i < WARMUP; i++) {
      await loadOnce(withExt);
      await loadOnce(without);
    }
    const a = [];
    const b = [];
    let hitsWith = 0;
    let hitsWithout = 0;
    for (let i = 0; i < LOADS; i++) {
      const x = await loadOnce(withExt);
      const y = await loadOnce(without);
      a.push(x.ms);
      b.push(y.ms);
      hitsWith += x.trackerHits;
      hitsWithout += y.trackerHits;
    }
    const rtBusy = (await roundTrips(withExt, ext, PINGS, ['extension'])).extension;
    rows.push({
      name,
      with: median(a),
      without: median(b),
      withP95: quantile(a, 0.95),
      withoutP95: quantile(b, 0.95),
      hitsWith: hitsWith / LOADS,
      hitsWithout: hitsWithout / LOADS,
      rt: { extension: summary(rt.extension), raw: summary(rt.raw), echo: summary(rt.echo), busy: summary(rtBusy) },
    });
  } finally {
    await withExt.close();
    await without.close();
    home.cleanup();
  }
}
await server.stop();

console.log(`\npage load: ${PIXELS} third-party tracking pixels (${trackerHosts.length} real tracker hosts) + ${IMAGES} first-party images, 5-20 ms per request; ${LOADS} loads each (after ${WARMUP} warm-up), navigation start -> load event end`);
console.log(`(both instances of a browser in the same run, loads alternating; every URL unique per load and served no-store, so both are cold; host ${optguardBin()})`);
console.log('browser    with optguard (median / p95)   without extension (median / p95)   without/with   tracker requests reaching the server per load (with / without)');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(10)} ${`${fmt(r.with)} ms / ${fmt(r.withP95)} ms`.padEnd(30)} ${`${fmt(r.without)} ms / ${fmt(r.withoutP95)} ms`.padEnd(34)} ${`${fmt(r.without / r.with, 2)}x`.padEnd(14)} ${fmt(r.hitsWith, 1)} / ${fmt(r.hitsWithout, 1)}`,
  );
}
console.log(`\nnative round trip in the background context, ${PINGS} sequential pings per path (the paths take turns, 10 pings at a time; 20 warm-up pings each), ports already open`);
console.log('(extension = through the extension\'s host connection; raw = bare connectNative port to the same host; echo = bare port to a trivial Python echo host, the browser\'s own floor;');
console.log(' busy = extension path again after the page loads; med = median over groups of 10 consecutive pings, each timed as a whole (0.01 ms grain);');
console.log(' single/p95 = median and p95 of single pings, which carry the browser\'s 0.1 ms timer grain; mean = total / n)');
const rtCell = (x) => `${fmt(x.median, 3)} / ${fmt(x.single, 1)} / ${fmt(x.p95, 1)} / ${fmt(x.mean, 3)}`.padEnd(34);
const rtHead = (what) => `${what} med/single/p95/mean ms`.padEnd(34);
console.log(`browser    ${rtHead('extension')}${rtHead('raw')}${rtHead('echo')}${rtHead('busy')}`);
for (const r of rows) {
  console.log(`${r.name.padEnd(10)} ${rtCell(r.rt.extension)}${rtCell(r.rt.raw)}${rtCell(r.rt.echo)}${rtCell(r.rt.busy)}`);
}
console.log(`\nload average while running (1/5/15 min, ${os.cpus().length} cores): ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('\ngoals: page loads faster with optguard than without; round trip <= 0.25 ms median in Chromium');
for (const r of rows) {
  const load = r.with < r.without ? 'met' : 'NOT met';
  const rt = r.name === 'chromium' ? `; round trip ${Math.max(r.rt.extension.median, r.rt.extension.single) <= 0.25 ? 'met' : 'NOT met'} (extension ${fmt(r.rt.extension.median, 3)} ms, echo-host floor ${fmt(r.rt.echo.median, 3)} ms, extension/floor ${fmt(r.rt.extension.median / r.rt.echo.median, 2)}x)` : '';
  console.log(`  ${r.name}: page load ${load}${rt}`);
}
