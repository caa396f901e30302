// Firefox: the list rules (the static rulesets) and the host's rules (custom filters, and learned
// trackers from id 90000: tagged "learned", so they count and switch as learned) enforced by
// a blocking webRequest.onBeforeRequest listener over an index (lib/dnr-index.js) instead of
// declarativeNetRequest. Firefox's DNR checks every enabled rule for every request on the
// parent process's main thread (ExtensionDNR.sys.mjs: no index), which made a page with 200
// tracker pixels load slower with the ≈12,000 list rules than with no extension at all; the
// index touches a few rules per request. Same rules, same DNR semantics (priorities, allow,
// allowAllRequests on the frame documents), plus the extension's own switches:
//   - a category (or custom) switched off globally: its rules are left out;
//   - `block:<category>` off for a site: that category's block rules skip requests the site's
//     documents make (as excludedInitiatorDomains does for the Chromium copies) — no copy
//     limit here, so every category can be switched off per site;
//   - `protection` off for a site (trust): nothing is blocked in the site's frames and
//     below (as the allowAllRequests rule 100007 does in DNR).
// The GPC/DNT header rules stay in DNR (a handful of rules, cheap).
//
// Chromium keeps the static rulesets: its DNR matches in an indexed C++ ruleset, and an MV3
// extension there may not block in webRequest.
import { STATIC_CATEGORIES, sitesWith } from '../lib/choices.js';
import { matchRequest, RuleIndex } from '../lib/dnr-index.js';
import { hostOf } from '../lib/site.js';
import { exemptSites, hostRuleCategory } from './rules.js';

const STATIC_ORDER_BASE = 10; // host rules (dynamic) outrank static rules of the same priority
/** The host's rule categories, by rule id (rules.js hostRuleCategory). */
const HOST_CATEGORIES = ['custom', 'learned'];

function underAny(host, sites) {
  if (!host) return false;
  for (const s of sites) if (host === s || host.endsWith(`.${s}`)) return true;
  return false;
}

export class WebRequestBlocker {
  /**
   * @param {object} o
   * @param {(id: string) => Promise<object[]>} o.loadRuleset  the static JSON of a ruleset
   * @param {string[]} [o.rulesets]  declared static rulesets, in manifest order
   * @param {(details, category: string, rule) => void} [o.onBlocked]
   * @param {() => number} [o.clock]  ms, for the build time reported
   */
  constructor({ loadRuleset, rulesets = STATIC_CATEGORIES, onBlocked = () => {}, clock = () => Date.now() }) {
    this.loadRuleset = loadRuleset;
    this.rulesets = rulesets;
    this.onBlocked = onBlocked;
    this.clock = clock;
    this.staticIndex = null;
    this.staticLoading = null;
    this.customIndex = new RuleIndex([]);
    this.enabled = new Set(); // tags whose rules apply
    this.exempt = new Map(); // tag → sites where its block rules skip the site's own requests
    this.trusted = [];
    this.ready = false;
    this.readyWaiters = [];
    this.buildMs = null; // load + index, ms (status.listIndexMs)
    this.loadMs = null; // of which fetching and parsing the files
    this.errors = [];
  }

  /** Loads the static rulesets and indexes them (once per background wake). */
  loadStatic() {
    if (!this.staticLoading) {
      this.staticLoading = (async () => {
        const t0 = this.clock();
        // The files in parallel (each fetch + parse), then one index over all.
        const loaded = await Promise.all(
          this.rulesets.map((id, i) =>
            this.loadRuleset(id).then(
              (rules) => ({ tag: id, order: STATIC_ORDER_BASE + i, rules: Array.isArray(rules) ? rules : [] }),
              (e) => {
                this.errors.push(`ruleset ${id}: ${e?.message ?? e}`);
                return null;
              },
            ),
          ),
        );
        const sources = loaded.filter(Boolean);
        this.loadMs = this.clock() - t0;
        this.staticIndex = new RuleIndex(sources);
        this.counts = Object.fromEntries(sources.map((s) => [s.tag, s.rules.length]));
        this.buildMs = this.clock() - t0;
        return this.staticIndex;
      })();
    }
    return this.staticLoading;
  }

  /**
   * Takes the choices, the categories to enforce and the custom rules to install; resolves once
   * the static index is built. Returns {rulesets, custom, categoryExemptions, errors}.
   */
  async configure(choices, categories, customRules) {
    await this.loadStatic();
    // The host's rules under their own category: custom filters "custom", learned trackers
    // (ids from 90000) "learned" — counted as such and switched by block:learned, globally
    // (hostRulesToInstall leaves them out) and per site (the exemption below).
    const byTag = Object.fromEntries(HOST_CATEGORIES.map((tag) => [tag, []]));
    for (const r of customRules ?? []) byTag[hostRuleCategory(r.id)].push(r);
    this.customIndex = new RuleIndex(HOST_CATEGORIES.map((tag) => ({ tag, order: 0, rules: byTag[tag] })));
    const enabled = new Set(categories.filter((c) => this.counts[c] !== undefined));
    for (const tag of HOST_CATEGORIES) if (byTag[tag].length) enabled.add(tag);
    if (!choices.global.protection) enabled.clear();
    const exempt = new Map();
    const categoryExemptions = {};
    for (const tag of [...STATIC_CATEGORIES, ...HOST_CATEGORIES]) {
      const sites = exemptSites(choices, tag);
      if (!sites.length) continue;
      exempt.set(tag, sites);
      const rules = byTag[tag] ? byTag[tag].length : this.counts[tag] ?? 0;
      categoryExemptions[tag] = { sites, applied: true, rules, via: 'webRequest' };
    }
    this.enabled = enabled;
    this.exempt = exempt;
    this.trusted = choices.global.protection ? sitesWith(choices, 'protection', false) : [];
    this.ready = true;
    for (const w of this.readyWaiters.splice(0)) w();
    return { rulesets: categories.filter((c) => enabled.has(c)), custom: customRules?.length ?? 0, categoryExemptions, errors: [...this.errors] };
  }

  /** Frame documents of a request, innermost first (Firefox: documentUrl, then frameAncestors). */
  static documents(d) {
    const out = [];
    if (d.type !== 'main_frame' && d.documentUrl) out.push(d.documentUrl);
    for (const a of d.frameAncestors ?? []) if (a?.url) out.push(a.url);
    return out;
  }

  /** The matched entry that blocks this request, or null. */
  decide(d) {
    if (!this.ready || !this.enabled.size) return null;
    const origin = d.originUrl ?? d.initiator ?? '';
    if (origin.startsWith('moz-extension:') || origin.startsWith('chrome-extension:')) return null;
    const documents = WebRequestBlocker.documents(d);
    if (this.trusted.length) {
      const frames = d.type === 'main_frame' || d.type === 'sub_frame' ? [d.url, ...documents] : documents;
      if (frames.some((u) => underAny(hostOf(u), this.trusted))) return null;
    }
    const initiatorHost = this.exempt.size ? hostOf(origin) : '';
    const accept = (e) => {
      if (!this.enabled.has(e.tag)) return false;
      const sites = this.exempt.get(e.tag);
      return !sites || e.rule.action.type !== 'block' || !underAny(initiatorHost, sites);
    };
    const best = matchRequest([this.customIndex, this.staticIndex], {
      url: d.url,
      type: d.type,
      initiator: origin,
      method: d.method,
      documents,
      accept,
    });
    return best?.rule.action.type === 'block' ? best : null;
  }

  /**
   * Resolves once the first configure() is done, or after timeoutMs (then requests are let
   * through rather than held: the static rulesets could not be read).
   */
  whenReady(timers, timeoutMs = 10000) {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      this.readyWaiters.push(resolve);
      timers?.setTimeout(resolve, timeoutMs);
    });
  }

  /**
   * The webRequest.onBeforeRequest blocking listener's answer: at once when the index is
   * ready, else a promise (a request made while the background starts waits for the rules).
   */
  listener(timers) {
    return (d) => (this.ready ? this.handle(d) : this.whenReady(timers).then(() => this.handle(d)));
  }

  handle(d) {
    const hit = this.decide(d);
    if (!hit) return {};
    try {
      this.onBlocked(d, hit.tag, hit.rule);
    } catch {
      // counting must never change the answer
    }
    return { cancel: true };
  }
}
