// Learned trackers, the extension's part (DESIGN.md feature 5): watches completed third-party
// requests (webRequest.onCompleted with responseHeaders, non-blocking: nothing on the request
// path waits), keeps those that look like identifier-carrying pixels (lib/pixel-heuristics.js)
// as observations {domain, site, url} keyed by the tracker's registrable domain and the
// first-party site, and sends them to the host in batches with `observe_pixels`. The host
// counts distinct sites and answers the trackers it learned; `onLearned` then reloads the
// host's rules, so they are blocked from then on.
//
// A request that completed was not blocked by any rule (a blocked one ends in onErrorOccurred);
// the host also skips a URL its lists already block (a category switched off, a trusted site).
// Observations that wait for the host are kept in storage.session too (Chromium 102+, Firefox
// 115+): an MV3 service worker stopped before its batch went out resumes it on the next wake
// (restore(), then flush as soon as the host is connected). Not storage.local: that would write
// the first-party sites to disk in clear, which the host's learning.db no longer does; without
// storage.session they wait in memory only. At most maxPending observations wait (each URL
// cut to 512 characters: well under storage.session's quota). Each domain|site pair is sent
// once per background lifetime.
import { identifierIn, pixelReason } from '../lib/pixel-heuristics.js';
import { hostOf, isWebUrl, siteOf } from '../lib/site.js';

/** The first-party page of a request: the top document where the browser says, else the initiator. */
export function firstPartyUrl(d) {
  const ancestors = d.frameAncestors ?? [];
  if (ancestors.length && ancestors[ancestors.length - 1]?.url) return ancestors[ancestors.length - 1].url;
  return d.documentUrl ?? d.initiator ?? d.originUrl ?? '';
}

/** An observation for a completed request, or null when it is not a third-party identifier pixel. */
export function observationOf(d) {
  if (!isWebUrl(d.url)) return null;
  const page = firstPartyUrl(d);
  if (!isWebUrl(page)) return null;
  const host = hostOf(d.url);
  const domain = siteOf(host);
  const site = siteOf(hostOf(page));
  if (!domain || !site || domain === site) return null;
  if (!pixelReason(d)) return null;
  if (!identifierIn(d.url)) return null;
  return { domain, site, url: d.url.slice(0, 512), type: d.type };
}

/** storage.session key of the observations that wait for the host. */
export const PENDING_KEY = 'pixelObservationsPending';

export class PixelLearner {
  /**
   * @param {object} o
   * @param {(observations) => Promise<{learned}>} o.send   the host's observe_pixels
   * @param {() => boolean} o.hostConnected
   * @param {(learned: object[]) => any} o.onLearned
   * @param {{setTimeout, clearTimeout}} o.timers
   * @param {{get, set, remove}|null} [o.storage]  storage.session: waiting observations survive a stopped worker
   * @param {number} [o.delayMs]  batching delay
   */
  constructor({ send, hostConnected, onLearned = () => {}, timers, storage = null, delayMs = 1000, maxPending = 1000, maxBatch = 200 }) {
    Object.assign(this, { send, hostConnected, onLearned, timers, storage, delayMs, maxPending, maxBatch });
    this.pending = new Map(); // "domain|site" → observation
    this.sent = new Set(); // "domain|site" sent already
    this.timer = null;
    this.flushing = Promise.resolve();
    this.restoring = null;
    this.saving = Promise.resolve();
    this.saveQueued = false;
  }

  /** webRequest.onCompleted details in; queues an observation when it is one. */
  observe(d) {
    const o = observationOf(d);
    if (!o) return null;
    const key = `${o.domain}|${o.site}`;
    if (this.sent.has(key) || this.pending.has(key)) return o;
    if (this.pending.size >= this.maxPending) return null;
    this.pending.set(key, o);
    this.persist();
    this.schedule();
    return o;
  }

  /**
   * Takes back the observations a stopped worker left in storage (once per wake; later calls
   * return the same promise). Resolves how many were restored; schedules their flush.
   */
  restore() {
    this.restoring ??= (async () => {
      if (!this.storage) return 0;
      let stored = [];
      try {
        stored = (await this.storage.get(PENDING_KEY))[PENDING_KEY];
      } catch {
        return 0; // storage unreadable: what is in memory still goes out
      }
      let restored = 0;
      for (const o of Array.isArray(stored) ? stored : []) {
        if (typeof o?.domain !== 'string' || typeof o?.site !== 'string') continue;
        const key = `${o.domain}|${o.site}`;
        if (this.pending.has(key) || this.sent.has(key)) continue;
        if (this.pending.size >= this.maxPending) break;
        this.pending.set(key, { domain: o.domain, site: o.site, url: String(o.url ?? '').slice(0, 512), type: o.type });
        restored++;
      }
      if (restored) this.schedule();
      return restored;
    })();
    return this.restoring;
  }

  /** Writes what waits to storage (after restore(), so nothing stored is overwritten unread). */
  persist() {
    if (!this.storage) return Promise.resolve();
    if (this.saveQueued) return this.saving;
    this.saveQueued = true;
    this.saving = this.saving
      .then(() => this.restore())
      .then(async () => {
        this.saveQueued = false;
        const list = [...this.pending.values()];
        if (list.length) await this.storage.set({ [PENDING_KEY]: list });
        else await this.storage.remove(PENDING_KEY);
      })
      .catch(() => {
        this.saveQueued = false;
      });
    return this.saving;
  }

  schedule() {
    if (this.timer || !this.pending.size) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.flush().catch(() => {});
    }, this.delayMs);
  }

  /** Sends what waits (when the host is connected). Resolves {sent, learned}. */
  flush() {
    const run = this.flushing.then(async () => {
      await this.restore();
      if (!this.pending.size || !this.hostConnected()) return { sent: 0, learned: [] };
      const batch = [...this.pending.entries()].slice(0, this.maxBatch);
      let r;
      try {
        r = await this.send(batch.map(([, o]) => o));
      } catch (e) {
        if (e?.code === 'bad_params') {
          for (const [k] of batch) this.pending.delete(k); // never good
          this.persist();
        }
        return { sent: 0, learned: [], error: String(e?.message ?? e) };
      }
      for (const [k] of batch) {
        this.pending.delete(k);
        this.sent.add(k);
      }
      this.persist();
      if (this.sent.size > 20000) this.sent.clear();
      const learned = r?.learned ?? [];
      if (learned.length) await this.onLearned(learned);
      if (this.pending.size) this.schedule();
      return { sent: batch.length, learned };
    });
    this.flushing = run.catch(() => {});
    return run;
  }
}
