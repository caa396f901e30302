// Per-tab counts of blocked requests (by category and by host), a per-tab log for the popup,
// and the badge. Kept in storage.session so a stopped service worker resumes with them; a
// navigation of the tab's top document starts the tab afresh.
import { hostOf, isThirdParty, siteOf } from '../lib/site.js';

const KEY = 'tabCounts';

export function emptyTab(url) {
  const host = hostOf(url);
  return { url, host, site: siteOf(host), total: 0, categories: {}, log: [] };
}

/** Adds one blocked request to a tab record (pure; returns the same object). */
export function addBlocked(tab, { url, type, category, time }, logLimit) {
  const host = hostOf(url);
  tab.total += 1;
  const c = (tab.categories[category] ??= { count: 0, hosts: {} });
  c.count += 1;
  c.hosts[host] = (c.hosts[host] ?? 0) + 1;
  tab.log.push({ time, url, host, type, category, thirdParty: isThirdParty(host, tab.host) });
  if (tab.log.length > logLimit) tab.log.splice(0, tab.log.length - logLimit);
  return tab;
}

/** Badge text for a count: "" for none, "999+" past 999. */
export function badgeText(total) {
  if (!total) return '';
  return total > 999 ? '999+' : String(total);
}

export class TabCounts {
  /** @param {{session, action, now, logLimit?, persistDelayMs?, badgeDelayMs?, timers}} o */
  constructor({ session, action, now, timers, logLimit = 200, persistDelayMs = 250, badgeDelayMs = 150 }) {
    this.session = session;
    this.action = action;
    this.now = now;
    this.timers = timers;
    this.logLimit = logLimit;
    this.persistDelayMs = persistDelayMs;
    this.tabs = null; // tabId → record, loaded lazily from storage.session
    this.persistTimer = null;
    this.loading = null;
    // Badge updates per tab: the first at once, the rest coalesced to one per badgeDelayMs
    // (a page with 200 blocked pixels costs a few badge calls, not 200).
    this.badgeDelayMs = badgeDelayMs;
    this.badgeTimers = new Map(); // tabId → {timer, dirty}
  }

  async load() {
    if (this.tabs) return this.tabs;
    this.loading ??= this.session.get(KEY).then((r) => {
      this.tabs ??= new Map(Object.entries(r[KEY] ?? {}).map(([k, v]) => [Number(k), v]));
      return this.tabs;
    });
    return this.loading;
  }

  schedulePersist() {
    if (this.persistTimer) return;
    this.persistTimer = this.timers.setTimeout(() => {
      this.persistTimer = null;
      this.persist().catch(() => {});
    }, this.persistDelayMs);
  }

  async persist() {
    const tabs = await this.load();
    await this.session.set({ [KEY]: Object.fromEntries(tabs) });
  }

  /** A new top-level document in the tab: counts start again. */
  async navigate(tabId, url) {
    if (tabId < 0) return;
    const tabs = await this.load();
    tabs.set(tabId, emptyTab(url));
    this.schedulePersist();
    this.cancelBadge(tabId);
    await this.badge(tabId, 0);
  }

  /** The record of a tab, created from its URL when unknown. */
  async tab(tabId, url = '') {
    const tabs = await this.load();
    let t = tabs.get(tabId);
    if (!t) {
      t = emptyTab(url);
      tabs.set(tabId, t);
    }
    return t;
  }

  /** Counts one blocked request in its tab; updates the badge. */
  async blocked(tabId, { url, type, category }) {
    if (tabId < 0) return null;
    const t = await this.tab(tabId);
    addBlocked(t, { url, type, category, time: this.now() }, this.logLimit);
    this.schedulePersist();
    await this.badgeSoon(tabId);
    return t;
  }

  async get(tabId) {
    const tabs = await this.load();
    return tabs.get(tabId) ?? null;
  }

  async remove(tabId) {
    const tabs = await this.load();
    tabs.delete(tabId);
    this.cancelBadge(tabId);
    this.schedulePersist();
  }

  /** Shows the tab's count now unless it was shown less than badgeDelayMs ago (then shortly). */
  async badgeSoon(tabId) {
    const pending = this.badgeTimers.get(tabId);
    if (pending) {
      pending.dirty = true;
      return;
    }
    const entry = { dirty: false, timer: null };
    entry.timer = this.timers.setTimeout(() => {
      this.badgeTimers.delete(tabId);
      if (entry.dirty) this.badgeSoon(tabId).catch(() => {});
    }, this.badgeDelayMs);
    this.badgeTimers.set(tabId, entry);
    await this.badge(tabId, this.tabs?.get(tabId)?.total ?? 0);
  }

  cancelBadge(tabId) {
    const pending = this.badgeTimers.get(tabId);
    if (!pending) return;
    this.timers.clearTimeout(pending.timer);
    this.badgeTimers.delete(tabId);
  }

  async badge(tabId, total) {
    try {
      await this.action.setBadgeText({ tabId, text: badgeText(total) });
    } catch {
      // the tab is gone
    }
  }
}
