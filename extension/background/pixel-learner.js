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
// Observations wait in memory only (a heuristic: one lost to a sleeping worker is seen again on
// the next visit); each domain|site pair is sent once per background lifetime.
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

export class PixelLearner {
  /**
   * @param {object} o
   * @param {(observations) => Promise<{learned}>} o.send   the host's observe_pixels
   * @param {() => boolean} o.hostConnected
   * @param {(learned: object[]) => any} o.onLearned
   * @param {{setTimeout, clearTimeout}} o.timers
   * @param {number} [o.delayMs]  batching delay
   */
  constructor({ send, hostConnected, onLearned = () => {}, timers, delayMs = 1000, maxPending = 1000, maxBatch = 200 }) {
    Object.assign(this, { send, hostConnected, onLearned, timers, delayMs, maxPending, maxBatch });
    this.pending = new Map(); // "domain|site" → observation
    this.sent = new Set(); // "domain|site" sent already
    this.timer = null;
    this.flushing = Promise.resolve();
  }

  /** webRequest.onCompleted details in; queues an observation when it is one. */
  observe(d) {
    const o = observationOf(d);
    if (!o) return null;
    const key = `${o.domain}|${o.site}`;
    if (this.sent.has(key) || this.pending.has(key)) return o;
    if (this.pending.size >= this.maxPending) return null;
    this.pending.set(key, o);
    this.schedule();
    return o;
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
      if (!this.pending.size || !this.hostConnected()) return { sent: 0, learned: [] };
      const batch = [...this.pending.entries()].slice(0, this.maxBatch);
      let r;
      try {
        r = await this.send(batch.map(([, o]) => o));
      } catch (e) {
        if (e?.code === 'bad_params') for (const [k] of batch) this.pending.delete(k); // never good
        return { sent: 0, learned: [], error: String(e?.message ?? e) };
      }
      for (const [k] of batch) {
        this.pending.delete(k);
        this.sent.add(k);
      }
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
