// Evidence for the ledger, batched to the host with `record` and kept in storage.local until
// the host acknowledges it, so nothing is lost when the host (or the service worker) dies.
//
// Counters ("signals" and "blocked", per site per day) are aggregated while they wait; one-off
// events (gpc_json, browser_setting) are queued as they are. A flush moves everything waiting
// into an "in flight" batch first; the batch is deleted only after the host's reply, and an
// in-flight batch left by a worker that died is sent again on the next flush (at least once).

const PENDING = 'evidencePending';
const INFLIGHT = 'evidenceInflight';

function emptyPending() {
  return { counters: {}, events: [] };
}

/** Adds counter `b` into `a` (same type/site/day[/category]). */
function mergeCounter(a, b) {
  if (!a) return structuredClone(b);
  const out = { ...a };
  if (b.type === 'signals') {
    out.gpc = (a.gpc ?? 0) + (b.gpc ?? 0);
    out.dnt = (a.dnt ?? 0) + (b.dnt ?? 0);
  } else {
    out.count = (a.count ?? 0) + (b.count ?? 0);
    out.hosts = { ...(a.hosts ?? {}) };
    for (const [h, n] of Object.entries(b.hosts ?? {})) out.hosts[h] = (out.hosts[h] ?? 0) + n;
  }
  return out;
}

function counterKey(e) {
  return [e.type, e.site, e.day, e.category ?? ''].join('|');
}

export class Evidence {
  /** @param {{storage, send(events): Promise, maxBatch?: number}} o */
  constructor({ storage, send, maxBatch = 500 }) {
    this.storage = storage;
    this.send = send;
    this.maxBatch = maxBatch;
    this.queue = Promise.resolve();
  }

  /** Serialises every read-modify-write of the stored evidence. */
  locked(fn) {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  async load(key) {
    return (await this.storage.get(key))[key];
  }

  /** Adds counters: {type: "signals", site, day, gpc, dnt} or {type: "blocked", site, day, category, count, hosts}. */
  addCounters(counters) {
    return this.locked(async () => {
      const p = (await this.load(PENDING)) ?? emptyPending();
      for (const c of counters) p.counters[counterKey(c)] = mergeCounter(p.counters[counterKey(c)], c);
      await this.storage.set({ [PENDING]: p });
    });
  }

  /** Queues one-off events (gpc_json, browser_setting). */
  addEvent(event) {
    return this.locked(async () => {
      const p = (await this.load(PENDING)) ?? emptyPending();
      p.events.push(event);
      await this.storage.set({ [PENDING]: p });
    });
  }

  /** Number of events waiting (pending + in flight), for the popup and the test hooks. */
  async waiting() {
    const p = (await this.load(PENDING)) ?? emptyPending();
    const f = (await this.load(INFLIGHT)) ?? [];
    return Object.keys(p.counters).length + p.events.length + f.length;
  }

  /**
   * Sends what waits. Resolves {sent, left}. On failure everything stays stored (the in-flight
   * batch is kept and retried before anything newer).
   */
  flush() {
    return this.locked(async () => {
      let inflight = (await this.load(INFLIGHT)) ?? [];
      if (!inflight.length) {
        const p = (await this.load(PENDING)) ?? emptyPending();
        inflight = [...p.events, ...Object.values(p.counters)];
        if (!inflight.length) return { sent: 0, left: 0 };
        // Move to in-flight in one write, so a crash between the two cannot lose or double it.
        await this.storage.set({ [INFLIGHT]: inflight, [PENDING]: emptyPending() });
      }
      let sent = 0;
      while (inflight.length) {
        const batch = inflight.slice(0, this.maxBatch);
        try {
          await this.send(batch);
        } catch (e) {
          return { sent, left: inflight.length, error: String(e?.message ?? e) };
        }
        sent += batch.length;
        inflight = inflight.slice(batch.length);
        if (inflight.length) await this.storage.set({ [INFLIGHT]: inflight });
        else await this.storage.remove(INFLIGHT);
      }
      return { sent, left: 0 };
    });
  }
}
