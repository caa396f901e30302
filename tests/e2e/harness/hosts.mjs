// The host names the local server answers as. Tracker hosts are real: each is blocked by a
// `||host^` filter in Debian's EasyList / EasyPrivacy (webext-ublock-origin) or in the
// project's social list, with no exception filter for it; lists.test.mjs-style checks in
// rulesets.e2e.mjs verify they end up in the generated static rulesets.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const LIST_DIR = '/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist';

export const SITE = 'site.test'; // the first party under test
export const FIRST_PARTY = ['site.test', 'www.site.test'];
export const OTHER_SITE = 'other.test'; // a second first-party site (exemptions apply "only there")
export const HARMLESS = 'cdn.harmless.test'; // a third party no list blocks
// Learned trackers (learning.e2e.mjs): a made-up pixel host in no list, and first-party sites
// (distinct registrable domains) that embed it.
export const LEARN_TRACKER = 'px.quietmetrics.test';
export const LEARN_SITES = ['learn-a.test', 'learn-b.test', 'learn-c.test', 'learn-d.test', 'learn-e.test'];

// One tracker per category, each matched by exactly one category's list (checked below).
export const TRACKERS = {
  // easyprivacy.txt: ||scorecardresearch.com^$third-party
  tracking: 'sb.scorecardresearch.com',
  // easylist.txt: ||adnxs.com^
  advertising: 'ib.adnxs.com',
  // host/filters/lists/social.txt: ||connect.facebook.net^$third-party,domain=~facebook.com|...
  social: 'connect.facebook.net',
};

// The filter line each tracker relies on, in the file it comes from (see listEvidence()).
const EVIDENCE = {
  tracking: [path.join(LIST_DIR, 'easyprivacy.txt'), '||scorecardresearch.com^$third-party'],
  advertising: [path.join(LIST_DIR, 'easylist.txt'), '||adnxs.com^'],
  social: [path.join(REPO, 'host/filters/lists/social.txt'), '||connect.facebook.net^$third-party'],
};

/** Checks that each tracker's filter line is really in its list; returns the missing ones. */
export function listEvidence() {
  const missing = [];
  for (const [cat, [file, line]] of Object.entries(EVIDENCE)) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (!text.split('\n').some((l) => l.startsWith(line))) missing.push(`${cat}: ${line} not in ${file}`);
  }
  return missing;
}

let benchHosts = null;
/**
 * Real tracker hosts for the benchmark: `||host^` or `||host^$third-party` lines of
 * easyprivacy.txt and easylist.txt whose host appears in no exception (@@) filter.
 * Deterministic: the first n (alternating lists) in file order.
 */
export function benchTrackerHosts(n = 50) {
  if (benchHosts && benchHosts.length >= n) return benchHosts.slice(0, n);
  const pick = (file) => {
    // Stops after n hosts: testing each against every exception line is the slow part.
    const text = fs.readFileSync(path.join(LIST_DIR, file), 'utf8');
    const lines = text.split('\n');
    const exceptions = lines.filter((l) => l.startsWith('@@')).join('\n');
    const hosts = [];
    for (const l of lines) {
      const m = /^\|\|([a-z0-9-]+(?:\.[a-z0-9-]+)+)\^(\$third-party)?\s*$/.exec(l);
      if (!m) continue;
      const h = m[1];
      if (/^\d/.test(h) || exceptions.includes(h)) continue;
      hosts.push(h);
      if (hosts.length >= n) break;
    }
    return hosts;
  };
  const a = pick('easyprivacy.txt');
  const b = pick('easylist.txt');
  const out = [];
  for (let i = 0; out.length < n && (i < a.length || i < b.length); i++) {
    if (i < a.length && !out.includes(a[i])) out.push(a[i]);
    if (out.length < n && i < b.length && !out.includes(b[i])) out.push(b[i]);
  }
  benchHosts = out;
  return out.slice(0, n);
}

export function isTrackerHost(host) {
  return Object.values(TRACKERS).includes(host) || (benchHosts ?? []).includes(host);
}

/** Every name the browser must resolve to the local server. */
export function allHosts({ bench = false } = {}) {
  const hosts = [...FIRST_PARTY, OTHER_SITE, HARMLESS, ...Object.values(TRACKERS), LEARN_TRACKER, ...LEARN_SITES];
  if (bench) hosts.push(...benchTrackerHosts());
  return hosts;
}
