// Observes requests (never blocks them) to learn what was blocked and what signals went out:
//
//  - A request our rules blocked ends in webRequest.onErrorOccurred with
//    "net::ERR_BLOCKED_BY_CLIENT" (Chromium) or "NS_ERROR_ABORT" (Firefox): one event per
//    blocked request, with its URL, type and tab, so counts are exact.
//  - Its category: where declarativeNetRequest.onRuleMatchedDebug exists (unpacked Chromium)
//    the matched rule says it (ruleset id = category; dynamic ids < 100000 = custom filters).
//    Elsewhere the host's `classify` (same lists, same switches) names it, off the request
//    path, in batches; Firefox's NS_ERROR_ABORT is also what an aborted load reports, so a
//    request the host does not call "block" is not counted. Requests waiting for the host are
//    kept and classified when it returns.
//  - Signals: each request sent (webRequest.onSendHeaders) from a tab whose site has GPC/DNT on
//    counts as one signal sent; blocked requests are not sent and not counted.
import { effective, STATIC_CATEGORIES } from '../lib/choices.js';
import { dayOf, hostOf, isWebUrl } from '../lib/site.js';
import { blockMatcher } from '../lib/dnr-match.js';
import { copyCategory, hostRuleCategory, OWN_RULE_BASE } from './rules.js';

export const BLOCKED_ERRORS = Object.freeze({ chromium: 'net::ERR_BLOCKED_BY_CLIENT', firefox: 'NS_ERROR_ABORT' });

/** Category of a matched DNR rule, or null for rules that do not block (headers, trust). */
export function categoryOfRule(rule) {
  if (STATIC_CATEGORIES.includes(rule?.rulesetId)) return rule.rulesetId;
  if (rule?.rulesetId === '_dynamic' && rule.ruleId < OWN_RULE_BASE) return hostRuleCategory(rule.ruleId);
  // Dynamic copies of a static ruleset (a per-site category switch replaced it).
  if (rule?.rulesetId === '_dynamic') return copyCategory(rule.ruleId);
  return null;
}

export class Activity {
  /**
   * @param {object} o
   * @param {string} o.flavor
   * @param {TabCounts} o.counts
   * @param {() => object} o.choices   current choices (sync)
   * @param {(requests, categories) => Promise<{verdicts, next_index}>} o.classify   host classify
   * @param {() => boolean} o.hostConnected
   * @param {() => number} o.now
   * @param {{setTimeout, clearTimeout}} o.timers
   * @param {boolean} o.debugAvailable   onRuleMatchedDebug is wired
   */
  constructor(o) {
    Object.assign(this, o);
    this.debugCategory = new Map(); // requestId → category (from onRuleMatchedDebug)
    this.unclassified = []; // blocked requests waiting for classify
    this.classifyTimer = null;
    this.signals = new Map(); // "site|day" → {gpc, dnt}
    this.blockedAgg = new Map(); // "site|day|category" → {count, hosts}
    this.maxWaiting = 5000;
    this.customRules = null; // matcher over the installed host rules (setCustomRules)
    this.blockedCategory = new Map(); // requestId → category (the webRequest blocker decided)
  }

  /** The extension's own webRequest blocker cancelled this request, for this category. */
  blockedBy(requestId, category) {
    this.blockedCategory.set(requestId, category);
    if (this.blockedCategory.size > 10000) this.blockedCategory.delete(this.blockedCategory.keys().next().value);
  }

  /** The host rules currently installed (custom filters), for local attribution. */
  setCustomRules(rules) {
    // Learned trackers' rules (ids from 90000) are left to classify, which names them "learned".
    const custom = (rules ?? []).filter((r) => hostRuleCategory(r.id) === 'custom');
    this.customRules = custom.length ? blockMatcher(custom) : null;
  }

  /** webRequest.onBeforeRequest for main_frame only: a new top document starts the tab afresh. */
  async onNavigate(d) {
    if (d.tabId < 0 || d.type !== 'main_frame') return;
    await this.counts.navigate(d.tabId, d.url);
  }

  /**
   * webRequest.onSendHeaders (observation only): a request that went out with the signals. A
   * blocked request never gets here (it carried no signal to anyone), so a page of 200 blocked
   * pixels costs the browser no event per pixel besides the error that counts it.
   */
  async onSent(d) {
    if (d.tabId < 0) return;
    const tab = await this.counts.tab(d.tabId, d.type === 'main_frame' ? d.url : d.documentUrl ?? d.initiator ?? '');
    if (!tab.site || !isWebUrl(tab.url)) return;
    const c = this.choices();
    const gpc = c.global.gpc && effective(c, 'gpc', tab.host) ? 1 : 0;
    const dnt = c.global.dnt && effective(c, 'dnt', tab.host) ? 1 : 0;
    if (!gpc && !dnt) return;
    const key = `${tab.site}|${dayOf(this.now())}`;
    const s = this.signals.get(key) ?? { gpc: 0, dnt: 0 };
    s.gpc += gpc;
    s.dnt += dnt;
    this.signals.set(key, s);
  }

  /** Both, in order, for one request that went out (tests and callers without the split). */
  async onRequest(d) {
    await this.onNavigate(d);
    await this.onSent(d);
  }

  /** declarativeNetRequest.onRuleMatchedDebug. */
  onRuleMatched(info) {
    const category = categoryOfRule(info.rule);
    if (!category) return;
    this.debugCategory.set(info.request.requestId, category);
    if (this.debugCategory.size > 10000) this.debugCategory.delete(this.debugCategory.keys().next().value);
  }

  /** webRequest.onErrorOccurred. */
  async onError(d) {
    if (d.error !== BLOCKED_ERRORS[this.flavor]) return;
    // The page the request came from: Firefox gives documentUrl/originUrl (a beacon may have
    // neither once its document is gone), Chromium the initiator origin; else the tab's page.
    const tabUrl = d.tabId >= 0 ? (await this.counts.get(d.tabId))?.url : '';
    const source = d.documentUrl || d.originUrl || d.initiator || tabUrl || '';
    const req = { requestId: d.requestId, tabId: d.tabId, url: d.url, type: d.type, source, method: d.method };
    const known = this.blockedCategory.get(d.requestId);
    if (known) {
      this.blockedCategory.delete(d.requestId);
      await this.record(req, known);
      return;
    }
    if (this.debugAvailable) {
      const category = this.debugCategory.get(d.requestId);
      this.debugCategory.delete(d.requestId);
      // Blocked by someone else's rules (another extension): not ours to count.
      if (category) await this.record(req, category);
      return;
    }
    // One of the host's custom-filter rules we installed ourselves matches: that is the category.
    if (this.customRules?.({ url: req.url, type: req.type, initiator: req.source, method: req.method })) {
      await this.record(req, 'custom');
      return;
    }
    this.unclassified.push(req);
    if (this.unclassified.length > this.maxWaiting) this.unclassified.shift();
    this.scheduleClassify();
  }

  scheduleClassify(delay = 20) {
    if (this.classifyTimer) return;
    this.classifyTimer = this.timers.setTimeout(() => {
      this.classifyTimer = null;
      this.classifyWaiting().catch(() => {});
    }, delay);
  }

  /** Classifies waiting blocked requests with the host; keeps them while it is away. */
  async classifyWaiting() {
    if (!this.unclassified.length) return 0;
    if (!this.hostConnected()) return 0; // retried from the controller when the host connects
    const c = this.choices();
    // The switches that apply on the first waiting request's site (a per-site category switch
    // changes them there); requests from sites with other switches wait for the next call.
    const categoriesFor = (r) => {
      const host = hostOf(r.source);
      const out = {};
      for (const cat of ['advertising', 'tracking', 'social', 'custom', 'learned']) out[cat] = !!c.global[`block:${cat}`] && effective(c, `block:${cat}`, host);
      return out;
    };
    const categories = categoriesFor(this.unclassified[0]);
    const sig = JSON.stringify(categories);
    const batch = [];
    const rest = [];
    for (const r of this.unclassified) {
      if (batch.length < 500 && JSON.stringify(categoriesFor(r)) === sig) batch.push(r);
      else rest.push(r);
    }
    this.unclassified = rest;
    let result;
    try {
      result = await this.classify(batch.map((r) => ({ url: r.url, source: r.source, type: r.type })), categories);
    } catch {
      // Keep them; try again shortly (a disconnect also retries on the next connect).
      this.unclassified.unshift(...batch);
      this.retryMs = Math.min(30000, (this.retryMs ?? 500) * 2);
      this.scheduleClassify(this.retryMs);
      return 0;
    }
    this.retryMs = null;
    const verdicts = result?.verdicts ?? [];
    // A reply that would pass the size cap stops early at next_index: the rest goes back.
    const done = Number.isInteger(result?.next_index) ? result.next_index : batch.length;
    if (done < batch.length) this.unclassified.unshift(...batch.slice(done));
    let counted = 0;
    for (let i = 0; i < Math.min(done, verdicts.length); i++) {
      const v = verdicts[i];
      if (v?.verdict === 'block') {
        await this.record(batch[i], v.category ?? 'custom');
        counted++;
      }
    }
    if (this.unclassified.length) this.scheduleClassify(0);
    return counted;
  }

  async record(req, category) {
    const tab = await this.counts.blocked(req.tabId, { url: req.url, type: req.type, category });
    const site = tab?.site;
    if (!site) return;
    const key = `${site}|${dayOf(this.now())}|${category}`;
    const a = this.blockedAgg.get(key) ?? { count: 0, hosts: {} };
    a.count += 1;
    const h = hostOf(req.url);
    a.hosts[h] = (a.hosts[h] ?? 0) + 1;
    this.blockedAgg.set(key, a);
  }

  /** Takes the aggregated evidence counters (for Evidence.addCounters). */
  drain() {
    const out = [];
    for (const [key, s] of this.signals) {
      const [site, day] = key.split('|');
      out.push({ type: 'signals', site, day, gpc: s.gpc, dnt: s.dnt });
    }
    for (const [key, a] of this.blockedAgg) {
      const [site, day, category] = key.split('|');
      out.push({ type: 'blocked', site, day, category, count: a.count, hosts: a.hosts });
    }
    this.signals.clear();
    this.blockedAgg.clear();
    return out;
  }
}
