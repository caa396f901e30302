// The person's choices: the same shape as the host's get_state result (docs/protocol.md).
// One table of keys and defaults; lookups for "what applies on this site".
import { hostAndParents, siteOf } from './site.js';

export const CATEGORIES = ['advertising', 'tracking', 'social', 'custom', 'learned'];
/** Categories that have a static ruleset built by `optguard compile-dnr`. */
export const STATIC_CATEGORIES = ['advertising', 'tracking', 'social'];
/**
 * Categories that can be switched off per site: those the browser enforces with rules (the
 * static rulesets, the custom filters and the learned trackers' rules, ids from 90000).
 */
export const SITE_CATEGORIES = ['advertising', 'tracking', 'social', 'custom', 'learned'];

export const DEFAULT_GLOBAL = Object.freeze({
  gpc: true,
  dnt: true,
  protection: true,
  'block:advertising': true,
  'block:tracking': true,
  'block:social': true,
  'block:custom': true,
  'block:learned': true,
  'browser:topics': false,
  'browser:fledge': false,
  'browser:ad_measurement': false,
  'browser:hyperlink_auditing': false,
  'browser:third_party_cookies': true,
});

export function defaultChoices() {
  return { global: { ...DEFAULT_GLOBAL }, sites: {} };
}

/** Fills missing keys with defaults; drops anything that is not a boolean. */
export function normalizeChoices(choices) {
  const out = defaultChoices();
  for (const [k, v] of Object.entries(choices?.global ?? {})) if (typeof v === 'boolean') out.global[k] = v;
  for (const [site, keys] of Object.entries(choices?.sites ?? {})) {
    const clean = {};
    for (const [k, v] of Object.entries(keys ?? {})) if (typeof v === 'boolean') clean[k] = v;
    if (Object.keys(clean).length) out.sites[site.toLowerCase()] = clean;
  }
  return out;
}

/** The site-level entry that applies to a host (exact host, then each parent domain). */
export function siteEntry(choices, host) {
  if (!host) return { site: '', keys: {} };
  for (const candidate of hostAndParents(host)) {
    if (choices.sites[candidate]) return { site: candidate, keys: choices.sites[candidate] };
  }
  return { site: siteOf(host), keys: {} };
}

/** The value of `key` on `host`: a site choice wins over the global one. */
export function effective(choices, key, host) {
  const { keys } = siteEntry(choices, host);
  if (typeof keys[key] === 'boolean') return keys[key];
  return choices.global[key] ?? DEFAULT_GLOBAL[key];
}

/** Applies one set_choice locally (what the host will also do), returning new choices. */
export function applyChoice(choices, { scope, site, key, value }) {
  const out = { global: { ...choices.global }, sites: { ...choices.sites } };
  if (scope === 'global') {
    out.global[key] = value;
  } else {
    const s = siteOf(String(site).toLowerCase());
    out.sites[s] = { ...(out.sites[s] ?? {}), [key]: value };
  }
  return out;
}

/** Sites whose entry sets `key` to `value` (e.g. gpc=false: GPC exemptions). */
export function sitesWith(choices, key, value) {
  return Object.entries(choices.sites)
    .filter(([, keys]) => keys[key] === value)
    .map(([site]) => site)
    .sort();
}
