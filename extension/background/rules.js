// Enforcement through declarativeNetRequest: nothing on the request path waits for the host.
//
//   static rulesets  "advertising", "tracking", "social" (built by `optguard compile-dnr`),
//                    enabled/disabled from the category switches and global protection;
//   dynamic rules    ids 1..99999: the host's rules for custom filters (get_rules), kept in
//                    storage so they survive without the host;
//                    ids >= 100000: the extension's own rules, built here from the choices:
//
//   id      priority  action                         condition
//   100001  20000     set Sec-GPC: 1                 every resource type (main_frame included)
//   100002  20000     set DNT: 1                     every resource type
//   100003  20001     remove Sec-GPC                 initiatorDomains = GPC-exempt sites
//   100004  20001     remove Sec-GPC                 requestDomains = GPC-exempt sites, main_frame
//   100005  20001     remove DNT                     initiatorDomains = DNT-exempt sites
//   100006  20001     remove DNT                     requestDomains = DNT-exempt sites, main_frame
//   100007  10000     allowAllRequests               requestDomains = trusted sites, main/sub_frame
//
// A header removed by a higher-priority rule cannot be set by a lower one, so an exemption is
// one rule that outranks the global one. Header rules outrank the trust rule: trusting a site
// turns blocking off there, not the signals. Block rules from lists stay below 10000.
//
// Per-site category switches (`block:<category>` false for a site, category on globally): a
// DNR allow rule cannot let ONE category through, because an allow outranks every lower block
// of every ruleset (a request in two lists would be let through by either switch). So the
// category's own block rules are changed instead: its static ruleset is disabled and its rules
// are installed as dynamic copies whose block rules carry the exempt sites in
// excludedInitiatorDomains (custom filters are dynamic already: they get the same exclusion).
// A copy differs from its static rule only by that exclusion (same condition, action and
// priority), so everywhere else blocking is unchanged. Scope: requests made by the site's own
// documents (the initiator is the site or a subdomain); a third-party frame on the site keeps
// its own initiator and stays blocked. Copies must fit the browser's dynamic-rule limit
// (Chromium 30,000, Firefox 5,000): a category whose copies do not fit stays enforced on the
// site and is reported in `categoryExemptions` (the popup says so; nothing is faked).
//
//   ids 200000+ advertising copies, 240000+ tracking, 280000+ social (COPY_BASE)
import { STATIC_CATEGORIES, sitesWith } from '../lib/choices.js';

export const OWN_RULE_BASE = 100000;
export const RULE_IDS = Object.freeze({
  gpcSet: 100001,
  dntSet: 100002,
  gpcExemptInitiator: 100003,
  gpcExemptMain: 100004,
  dntExemptInitiator: 100005,
  dntExemptMain: 100006,
  trust: 100007,
});
export const PRIORITY = Object.freeze({ trust: 10000, header: 20000, exemption: 20001 });

// Used when the browser does not expose declarativeNetRequest.ResourceType. Firefox rejects a
// whole updateDynamicRules call naming a type it lacks (webtransport, webbundle), and has its
// own types (imageset, beacon, ...), so each browser gets its own list.
export const FALLBACK_RESOURCE_TYPES = Object.freeze({
  chromium: [
    'main_frame', 'sub_frame', 'stylesheet', 'script', 'image', 'font', 'object', 'xmlhttprequest',
    'ping', 'csp_report', 'media', 'websocket', 'webtransport', 'webbundle', 'other',
  ],
  firefox: [
    'main_frame', 'sub_frame', 'stylesheet', 'script', 'image', 'imageset', 'object', 'object_subrequest',
    'xmlhttprequest', 'xslt', 'ping', 'beacon', 'xml_dtd', 'font', 'media', 'websocket', 'csp_report',
    'web_manifest', 'speculative', 'json', 'other',
  ],
});

/** Every resource type this browser's DNR knows (its own enum when exposed). */
export function resourceTypesFor(flavor, resourceTypeEnum) {
  if (resourceTypeEnum && typeof resourceTypeEnum === 'object') {
    const values = Object.values(resourceTypeEnum).filter((v) => typeof v === 'string');
    if (values.includes('main_frame')) return values;
  }
  return [...(FALLBACK_RESOURCE_TYPES[flavor] ?? FALLBACK_RESOURCE_TYPES.chromium)];
}

function headerRule(id, priority, header, operation, condition) {
  const requestHeaders = [operation === 'set' ? { header, operation, value: '1' } : { header, operation }];
  return { id, priority, action: { type: 'modifyHeaders', requestHeaders }, condition };
}

/** The extension's own dynamic rules (ids >= 100000) for these choices. */
export function buildOwnRules(choices, resourceTypes) {
  const rules = [];
  const all = [...resourceTypes];
  const signals = [
    { key: 'gpc', header: 'Sec-GPC', set: RULE_IDS.gpcSet, init: RULE_IDS.gpcExemptInitiator, main: RULE_IDS.gpcExemptMain },
    { key: 'dnt', header: 'DNT', set: RULE_IDS.dntSet, init: RULE_IDS.dntExemptInitiator, main: RULE_IDS.dntExemptMain },
  ];
  for (const s of signals) {
    if (!choices.global[s.key]) continue;
    rules.push(headerRule(s.set, PRIORITY.header, s.header, 'set', { resourceTypes: all }));
    const exempt = sitesWith(choices, s.key, false);
    if (exempt.length) {
      rules.push(headerRule(s.init, PRIORITY.exemption, s.header, 'remove', { initiatorDomains: exempt, resourceTypes: all }));
      rules.push(headerRule(s.main, PRIORITY.exemption, s.header, 'remove', { requestDomains: exempt, resourceTypes: ['main_frame'] }));
    }
  }
  const trusted = sitesWith(choices, 'protection', false);
  if (trusted.length) {
    rules.push({
      id: RULE_IDS.trust,
      priority: PRIORITY.trust,
      action: { type: 'allowAllRequests' },
      condition: { requestDomains: trusted, resourceTypes: ['main_frame', 'sub_frame'] },
    });
  }
  return rules;
}

/** Host rules from this id on are learned trackers' (docs/protocol.md "Learned trackers"). */
export const LEARNED_RULE_BASE = 90000;

/** The category of a host rule id: "learned" from LEARNED_RULE_BASE, else "custom". */
export function hostRuleCategory(id) {
  return id >= LEARNED_RULE_BASE ? 'learned' : 'custom';
}

/**
 * Host rules that apply now: only ids 1..99999, custom filters when `block:custom` is on,
 * learned trackers when `block:learned` is on; each category's block rules exclude the sites
 * where that category is switched off (a site's `block:custom` off leaves learned trackers
 * blocked there, and the other way round).
 */
export function hostRulesToInstall(choices, hostRules) {
  if (!choices.global.protection) return [];
  const exempt = { custom: exemptSites(choices, 'custom'), learned: exemptSites(choices, 'learned') };
  return (hostRules ?? [])
    .filter((r) => Number.isInteger(r?.id) && r.id >= 1 && r.id < OWN_RULE_BASE)
    .filter((r) => choices.global[`block:${hostRuleCategory(r.id)}`])
    .map((r) => excludeInitiators(r, exempt[hostRuleCategory(r.id)]));
}

/**
 * A host rule made safe for this browser: resource types it does not know are dropped (Firefox
 * rejects the whole update for one unknown type); a rule left with an empty resourceTypes
 * list is dropped (an empty list would mean "every type").
 */
export function adaptRule(rule, knownTypes) {
  const known = new Set(knownTypes);
  const c = { ...rule.condition };
  if (Array.isArray(c.resourceTypes)) {
    c.resourceTypes = c.resourceTypes.filter((t) => known.has(t));
    if (!c.resourceTypes.length) return null;
  }
  if (Array.isArray(c.excludedResourceTypes)) {
    c.excludedResourceTypes = c.excludedResourceTypes.filter((t) => known.has(t));
    if (!c.excludedResourceTypes.length) delete c.excludedResourceTypes;
  }
  return { ...rule, condition: c };
}

// Firefox gives some loads their own type where Chromium uses the general one: sendBeacon is
// "beacon" (Chromium: "ping"), <picture>/srcset images "imageset" (Chromium: "image"),
// plugin subrequests "object_subrequest". A static rule compiled for "ping" or "image" alone
// misses them in Firefox, and the rulesets are shared by both browsers, so in Firefox each such
// list rule gets a dynamic twin for the Firefox-only types (ids 150000..199999).
export const TWIN_TYPES = Object.freeze({ ping: 'beacon', image: 'imageset', object: 'object_subrequest' });
export const TWIN_BASE = 150000;
export const TWIN_MAX = 50000;

/** Twins of static rules for the types this browser has and the rule does not name. */
export function twinRules(staticRules, knownTypes, firstId) {
  const known = new Set(knownTypes);
  const out = [];
  for (const r of staticRules ?? []) {
    const types = r?.condition?.resourceTypes;
    if (!Array.isArray(types)) continue; // no list = every type already
    const missing = Object.entries(TWIN_TYPES)
      .filter(([general, own]) => types.includes(general) && !types.includes(own) && known.has(own))
      .map(([, own]) => own);
    if (!missing.length) continue;
    out.push({ ...r, id: firstId + out.length, condition: { ...r.condition, resourceTypes: missing } });
  }
  return out;
}

export const COPY_BASE = Object.freeze({ advertising: 200000, tracking: 240000, social: 280000 });
export const COPY_SPAN = 40000;

/** The category of a dynamic rule id in a copy range, or null. */
export function copyCategory(id) {
  for (const [c, base] of Object.entries(COPY_BASE)) if (id >= base && id < base + COPY_SPAN) return c;
  return null;
}

/** Sites where a category is switched off while it is on globally (sorted eTLD+1 / hosts). */
export function exemptSites(choices, category) {
  if (!choices.global.protection || !choices.global[`block:${category}`]) return [];
  return sitesWith(choices, `block:${category}`, false);
}

/**
 * A rule that no longer applies to requests initiated by `sites`: block rules only (allow,
 * allowAllRequests and the rest are returned as they are). Keeps any initiatorDomains (the two
 * conditions are ANDed) and adds to any excludedInitiatorDomains.
 */
export function excludeInitiators(rule, sites) {
  if (!sites.length || rule?.action?.type !== 'block') return rule;
  const c = { ...rule.condition };
  c.excludedInitiatorDomains = [...new Set([...(c.excludedInitiatorDomains ?? []), ...sites])].sort();
  return { ...rule, condition: c };
}

/** Dynamic copies of a static ruleset with `sites` excluded, ids from COPY_BASE[category]. */
export function categoryCopies(category, staticRules, sites) {
  const base = COPY_BASE[category];
  return (staticRules ?? []).slice(0, COPY_SPAN).map((r, i) => ({ ...excludeInitiators(r, sites), id: base + i }));
}

/** Static rulesets that should be enabled. */
export function wantedRulesets(choices) {
  if (!choices.global.protection) return [];
  return STATIC_CATEGORIES.filter((c) => choices.global[`block:${c}`]);
}

/** Brings the browser's DNR state in line with the choices and the saved host rules. */
export class RuleManager {
  constructor({ dnr, flavor, declaredRulesets, maxDynamicRules, loadRuleset, blocker }) {
    this.dnr = dnr;
    this.flavor = flavor;
    // Firefox with webRequestBlocking: a WebRequestBlocker enforces the list and custom rules
    // (web-request-blocker.js); DNR keeps only the extension's own rules.
    this.blocker = blocker ?? null;
    this.loadRuleset = loadRuleset ?? null; // (id) => Promise<rules[]>: the static JSON
    this.twinCache = new Map(); // ruleset id → twin rules (without final ids)
    this.staticCache = new Map(); // ruleset id → its static rules (for copies and twins)
    // Read at run time (limits differ by browser and version); 5000 is Firefox's and the
    // smallest any supported browser guarantees.
    this.maxDynamicRules = maxDynamicRules ?? dnr.maxDynamicRules ?? 5000;
    this.types = resourceTypesFor(flavor, dnr.resourceTypeEnum);
    this.declared = new Set(declaredRulesets ?? STATIC_CATEGORIES);
    this.queue = Promise.resolve();
  }

  /** Serialised: concurrent calls apply in order, each seeing the state the previous left. */
  apply(choices, hostRules) {
    const run = this.queue.then(() => this.applyNow(choices, hostRules));
    this.queue = run.catch(() => {});
    return run;
  }

  /** The static rules of a ruleset (cached; null when they cannot be read). */
  async staticRules(id, report) {
    if (!this.loadRuleset) return null;
    if (!this.staticCache.has(id)) {
      try {
        this.staticCache.set(id, await this.loadRuleset(id));
      } catch (e) {
        report.errors.push(`ruleset ${id}: ${e?.message ?? e}`);
        return null;
      }
    }
    return this.staticCache.get(id);
  }

  /** Firefox: dynamic twins of the given rules' ping/image/object rules (per ruleset or copy). */
  async twinsFor(sources, report) {
    if (this.flavor !== 'firefox' || !this.loadRuleset) return [];
    const all = [];
    for (const { id, rules } of sources) {
      if (rules) {
        all.push(...twinRules(rules, this.types, 0));
        continue;
      }
      if (!this.twinCache.has(id)) this.twinCache.set(id, twinRules((await this.staticRules(id, report)) ?? [], this.types, 0));
      all.push(...this.twinCache.get(id));
    }
    return all.slice(0, TWIN_MAX).map((r, i) => ({ ...r, id: TWIN_BASE + i }));
  }

  /**
   * Per-site category switches: for each static category switched off on some site, its
   * copies (or why it cannot have them). `room` is what the dynamic limit leaves.
   */
  async copiesFor(choices, want, room, report) {
    const copies = new Map(); // category → dynamic copies
    for (const category of want) {
      const sites = exemptSites(choices, category);
      if (!sites.length) continue;
      const rules = await this.staticRules(category, report);
      if (!rules) {
        report.categoryExemptions[category] = { sites, applied: false, reason: 'ruleset_unreadable' };
        continue;
      }
      if (rules.length > room || rules.length > COPY_SPAN) {
        report.categoryExemptions[category] = { sites, applied: false, reason: 'too_many_rules', rules: rules.length, room };
        continue;
      }
      copies.set(category, categoryCopies(category, rules, sites));
      room -= rules.length;
      report.categoryExemptions[category] = { sites, applied: true, rules: rules.length };
    }
    this.room = room;
    this.copied = new Set(copies.keys());
    return copies;
  }

  /**
   * Whether each category can be switched off on one more site now: custom and learned always (their rules
   * are dynamic already); a static category when it already has copies or its copies fit in
   * the room the last apply left. {category: {possible, rules?, room?}}
   */
  async siteSwitchable() {
    const out = { custom: { possible: true }, learned: { possible: true } };
    if (this.blocker) {
      // The blocker skips a category's block rules per site itself: no copies, no limit.
      for (const category of STATIC_CATEGORIES) out[category] = { possible: this.declared.has(category) };
      return out;
    }
    const report = { errors: [] };
    for (const category of STATIC_CATEGORIES) {
      if (this.copied?.has(category)) {
        out[category] = { possible: true };
        continue;
      }
      const rules = this.declared.has(category) ? await this.staticRules(category, report) : null;
      if (!rules) {
        out[category] = { possible: false, reason: 'ruleset_unreadable' };
        continue;
      }
      const room = this.room ?? this.maxDynamicRules;
      out[category] = rules.length <= room && rules.length <= COPY_SPAN
        ? { possible: true, rules: rules.length, room }
        : { possible: false, reason: 'too_many_rules', rules: rules.length, room };
    }
    return out;
  }

  /**
   * Firefox with the WebRequestBlocker: every static ruleset disabled (the blocker holds their
   * rules in its index, the switches applied per request), custom rules to the blocker, only
   * the extension's own rules in DNR.
   */
  async applyWebRequest(choices, hostRules) {
    const report = { rulesets: [], own: 0, host: 0, installedHostRules: [], errors: [], categoryExemptions: {}, listEngine: 'webRequest' };
    const want = wantedRulesets(choices).filter((id) => this.declared.has(id));
    const customRules = hostRulesToInstall(choices, hostRules);
    try {
      const enabled = await this.dnr.getEnabledRulesets();
      if (enabled.length) await this.dnr.updateEnabledRulesets({ enableRulesetIds: [], disableRulesetIds: enabled });
    } catch (e) {
      report.errors.push(`rulesets: ${e?.message ?? e}`);
    }
    const b = await this.blocker.configure(choices, want, customRules);
    report.rulesets = b.rulesets;
    report.categoryExemptions = b.categoryExemptions;
    report.errors.push(...b.errors);
    report.host = b.custom;
    report.installedHostRules = customRules;
    report.listIndexMs = this.blocker.buildMs;
    report.listLoadMs = this.blocker.loadMs;
    report.twins = 0;
    report.copies = 0;
    report.rulesetsReplaced = [];
    const own = buildOwnRules(choices, this.types);
    const existing = (await this.dnr.getDynamicRules()).map((r) => r.id);
    await this.dnr.updateDynamicRules({ removeRuleIds: existing, addRules: own });
    report.own = own.length;
    return report;
  }

  async applyNow(choices, hostRules) {
    if (this.blocker) return this.applyWebRequest(choices, hostRules);
    const report = { rulesets: [], own: 0, host: 0, installedHostRules: [], errors: [], categoryExemptions: {} };
    const wantAll = wantedRulesets(choices).filter((id) => this.declared.has(id));
    const ownBase = buildOwnRules(choices, this.types);
    const customRules = hostRulesToInstall(choices, hostRules);
    for (const category of ['custom', 'learned']) {
      const sites = exemptSites(choices, category);
      const rules = customRules.filter((r) => hostRuleCategory(r.id) === category).length;
      if (sites.length) report.categoryExemptions[category] = { sites, applied: true, rules };
    }
    // Copies come before custom rules in the budget only as far as they leave the custom rules room.
    const copies = await this.copiesFor(choices, wantAll, this.maxDynamicRules - ownBase.length - customRules.length, report);
    // A category with copies has its static ruleset disabled: the copies replace it.
    const want = wantAll.filter((id) => !copies.has(id));
    try {
      const enabled = new Set(await this.dnr.getEnabledRulesets());
      const enableRulesetIds = want.filter((id) => !enabled.has(id));
      const disableRulesetIds = [...enabled].filter((id) => this.declared.has(id) && !want.includes(id));
      if (enableRulesetIds.length || disableRulesetIds.length) {
        await this.dnr.updateEnabledRulesets({ enableRulesetIds, disableRulesetIds });
      }
      report.rulesets = want;
    } catch (e) {
      report.errors.push(`rulesets: ${e?.message ?? e}`);
    }
    const copyRules = [...copies.values()].flat();
    const twins = await this.twinsFor([...want.map((id) => ({ id })), ...[...copies].map(([id, rules]) => ({ id, rules }))], report);
    const own = [...ownBase, ...copyRules, ...twins];
    report.twins = twins.length;
    report.copies = copyRules.length;
    report.rulesetsReplaced = [...copies.keys()];
    const adapted = customRules.map((r) => adaptRule(r, this.types)).filter(Boolean);
    const room = Math.max(0, this.maxDynamicRules - own.length);
    const host = adapted.slice(0, room);
    if (adapted.length > room) report.errors.push(`dynamic rules: ${adapted.length - room} custom rules over the browser's limit of ${this.maxDynamicRules}`);
    const existing = (await this.dnr.getDynamicRules()).map((r) => r.id);
    try {
      await this.dnr.updateDynamicRules({ removeRuleIds: existing, addRules: [...own, ...host] });
      report.own = own.length;
      report.host = host.length;
      report.installedHostRules = host;
    } catch (e) {
      // One bad host rule must not cost the signals: install our own rules alone.
      report.errors.push(`dynamic rules: ${e?.message ?? e}`);
      const now = (await this.dnr.getDynamicRules()).map((r) => r.id);
      await this.dnr.updateDynamicRules({ removeRuleIds: now, addRules: own });
      report.own = own.length;
    }
    return report;
  }
}
