// An indexed matcher over declarativeNetRequest rules, so one request is checked against a
// handful of candidate rules instead of all of them. Firefox's own DNR evaluates every enabled
// rule for every request (ExtensionDNR.sys.mjs, #collectMatchInRuleset: no index), ≈12,000
// list rules cost ≈850 ms of parent-process CPU per load of a page with 220 requests; in
// Firefox the extension therefore enforces the list rules itself with a blocking
// webRequest.onBeforeRequest listener backed by this index (background/web-request-blocker.js).
//
// Each rule is filed under one key, checked with dnr-match.js's compileCondition:
//   - a domain: each requestDomains entry, or the host of a `||host^` / `||host/` urlFilter
//     (the request's host and each parent domain are looked up);
//   - a token: the rarest run of [a-z0-9%] in the urlFilter that a matching URL must contain
//     as a whole token (bounded by a non-token character or an anchor on both sides);
//   - none (regexFilter, urlFilters without a usable token): checked for every request.
// Which rule wins follows DNR: highest priority, then allow > allowAllRequests > block, then
// the order of the sources (as rulesets), then the lowest id. allowAllRequests rules apply to
// the documents (the request's own frame and its ancestors) as DNR does.
import { compileCondition } from './dnr-match.js';
import { hostOf } from './site.js';

const TOKEN = /[a-z0-9%]+/g;
const MIN_TOKEN = 2;
// Tokens present in nearly every URL: a rule filed under one would be checked for everything.
const COMMON = new Set(['http', 'https', 'www', 'com', 'net', 'org', 'html', 'js', 'php']);

/** Firefox's own types for loads Chromium (and the lists) name by the general type. */
export const GENERAL_TYPE = Object.freeze({ beacon: 'ping', imageset: 'image', object_subrequest: 'object' });

const ACTION_RANK = { allow: 1, allowAllRequests: 2, block: 3, upgradeScheme: 4, redirect: 5 };

/** The host a `||host` urlFilter pins the request to, when the host part ends at a separator. */
export function anchoredHost(urlFilter) {
  if (!urlFilter?.startsWith('||')) return null;
  const m = /^\|\|([a-z0-9.-]+)([\^/:?]|$)/i.exec(urlFilter);
  if (!m || m[2] === '') return null; // `||ads.` may continue the host: not a whole host
  const host = m[1].toLowerCase();
  return host && !host.startsWith('.') && !host.endsWith('.') ? host : null;
}

/** Tokens a URL matching this urlFilter must contain whole (see the file comment). */
export function filterTokens(urlFilter) {
  if (!urlFilter) return [];
  let f = urlFilter.toLowerCase();
  let leftAnchored = false;
  let rightAnchored = false;
  if (f.startsWith('||')) {
    f = f.slice(2);
    leftAnchored = true;
  } else if (f.startsWith('|')) {
    f = f.slice(1);
    leftAnchored = true;
  }
  if (f.endsWith('|')) {
    f = f.slice(0, -1);
    rightAnchored = true;
  }
  const out = [];
  for (const m of f.matchAll(TOKEN)) {
    const start = m.index;
    const end = start + m[0].length;
    const before = start === 0 ? (leftAnchored ? '' : null) : f[start - 1];
    const after = end === f.length ? (rightAnchored ? '' : null) : f[end];
    if (before === null || after === null || before === '*' || after === '*') continue;
    if (m[0].length < MIN_TOKEN || COMMON.has(m[0])) continue;
    out.push(m[0]);
  }
  return out;
}

/** The whole tokens of a URL (lower-cased). */
export function urlTokens(url) {
  return new Set(url.toLowerCase().match(TOKEN) ?? []);
}

function parents(host) {
  const out = [];
  let h = host;
  for (;;) {
    out.push(h);
    const dot = h.indexOf('.');
    if (dot < 0) return out;
    h = h.slice(dot + 1);
  }
}

// A key holds one entry, or an array of them once shared: most of the ≈95,000 domains of the
// merged `||host^` rules have one rule, and an array each made the build GC-bound.
function push(map, key, entry) {
  const cur = map.get(key);
  if (cur === undefined) map.set(key, entry);
  else if (Array.isArray(cur)) cur.push(entry);
  else map.set(key, [cur, entry]);
}

/**
 * Compares two matched entries as DNR ranks them: <0 when a wins.
 */
export function compareEntries(a, b) {
  return (
    (b.priority - a.priority) ||
    (a.rank - b.rank) ||
    (a.order - b.order) ||
    (a.rule.id - b.rule.id)
  );
}

export class RuleIndex {
  /**
   * @param {{tag: string, rules: object[], order?: number}[]} sources  rule lists in precedence
   *   order (as DNR rulesets; `order` defaults to the position); each matched rule comes back
   *   with its source's tag.
   */
  constructor(sources) {
    this.byDomain = new Map();
    this.byToken = new Map();
    this.generic = [];
    this.documentRules = []; // allowAllRequests: evaluated against frame documents
    this.size = 0;
    const entries = [];
    sources.forEach(({ tag, rules, order: given }, i) => {
      const order = given ?? i;
      for (const rule of rules ?? []) {
        const type = rule?.action?.type;
        if (!(type in ACTION_RANK)) continue; // modifyHeaders and unknown actions: not ours to decide
        const entry = { rule, tag, order, priority: rule.priority ?? 1, rank: ACTION_RANK[type], test: null };
        this.size++;
        if (type === 'allowAllRequests') this.documentRules.push(entry);
        else entries.push(entry);
      }
    });
    // Token frequencies first, so each rule goes under its rarest token.
    const freq = new Map();
    const tokensOf = new Map();
    for (const e of entries) {
      const c = e.rule.condition ?? {};
      if (c.requestDomains?.length || anchoredHost(c.urlFilter) || !c.urlFilter) continue;
      const toks = filterTokens(c.urlFilter);
      tokensOf.set(e, toks);
      for (const t of new Set(toks)) freq.set(t, (freq.get(t) ?? 0) + 1);
    }
    for (const e of entries) {
      const c = e.rule.condition ?? {};
      if (c.requestDomains?.length) {
        // DNR requires lower-case domains (browsers reject others); a repeated one would
        // only be tested twice.
        for (const d of c.requestDomains) push(this.byDomain, d, e);
        continue;
      }
      const host = anchoredHost(c.urlFilter);
      if (host) {
        push(this.byDomain, host, e);
        continue;
      }
      const toks = tokensOf.get(e) ?? [];
      if (!toks.length) {
        this.generic.push(e);
        continue;
      }
      let best = toks[0];
      for (const t of toks) if (freq.get(t) < freq.get(best) || (freq.get(t) === freq.get(best) && t.length > best.length)) best = t;
      push(this.byToken, best, e);
    }
  }

  /** How the rules were filed (for diagnostics and tests). */
  stats() {
    let largest = 0;
    for (const l of this.byToken.values()) largest = Math.max(largest, Array.isArray(l) ? l.length : 1);
    return {
      rules: this.size,
      domains: this.byDomain.size,
      tokens: this.byToken.size,
      generic: this.generic.length,
      documentRules: this.documentRules.length,
      largestTokenBucket: largest,
    };
  }

  static #test(entry, req) {
    if (!entry.test) entry.test = compileCondition(entry.rule.condition);
    return entry.test(req);
  }

  /** The winning entry among the candidate rules of a prepared request (or null). */
  best(req, accept, best = null) {
    const one = (e) => {
      if (best && compareEntries(e, best) >= 0) return; // cannot win: skip the test
      if (accept(e) && RuleIndex.#test(e, req)) best = e;
    };
    const consider = (list) => {
      if (list === undefined) return;
      if (Array.isArray(list)) for (const e of list) one(e);
      else one(list);
    };
    for (const d of parents(req.host)) consider(this.byDomain.get(d));
    for (const t of urlTokens(req.url)) consider(this.byToken.get(t));
    consider(this.generic);
    return best;
  }

  /** An allowAllRequests rule on one of the prepared documents that outranks `best`, else best. */
  documentOverride(docs, accept, best) {
    for (const d of docs) {
      for (const e of this.documentRules) {
        if (best && compareEntries(e, best) >= 0) continue;
        if (accept(e) && RuleIndex.#test(e, d)) best = e;
      }
    }
    return best;
  }

  /** The rule DNR would apply to a request (see matchRequest), as {rule, tag} or null. */
  match(r) {
    const e = matchRequest([this], r);
    return e ? { rule: e.rule, tag: e.tag } : null;
  }
}

/** A request prepared once for many rule tests. */
function prepare(url, type, initiator, method) {
  return { url, type, initiator: initiator ?? '', method, host: hostOf(url), initiatorHost: hostOf(initiator ?? '') };
}

/**
 * The winning entry ({rule, tag, ...}) of several indexes for one request, or null. Give each
 * index's sources distinct `order`s (DNR: dynamic before static, static in manifest order).
 * @param {RuleIndex[]} indexes
 * @param {object} r
 * @param {string} r.url
 * @param {string} r.type        resource type (Firefox's own types are read as the general one)
 * @param {string} [r.initiator] URL of the document/origin that made the request
 * @param {string} [r.method]
 * @param {string[]} [r.documents] frame documents, innermost first (the request's own frame,
 *   then its ancestors up to the top): their allowAllRequests rules apply to the request
 * @param {(entry) => boolean} [r.accept]  leaves rules out for this request (category switches)
 */
export function matchRequest(indexes, r) {
  const accept = r.accept ?? (() => true);
  const type = GENERAL_TYPE[r.type] ?? r.type;
  const req = prepare(r.url, type, r.initiator, r.method);
  let best = null;
  for (const idx of indexes) best = idx.best(req, accept, best);
  // Only a block can be overridden; allowAllRequests rules are few, documents fewer.
  if (!best || best.rank !== ACTION_RANK.block || !indexes.some((i) => i.documentRules.length)) return best;
  const docs = [];
  if (type === 'main_frame' || type === 'sub_frame') docs.push(prepare(r.url, type, r.initiator));
  const chain = r.documents ?? [];
  chain.forEach((url, i) => {
    if (url) docs.push(prepare(url, i === chain.length - 1 ? 'main_frame' : 'sub_frame', chain[i + 1] ?? ''));
  });
  for (const idx of indexes) best = idx.documentOverride(docs, accept, best);
  return best;
}