// A site's /.well-known/gpc.json (the GPC spec's site declaration), fetched at most once per
// site per day: the outcome is remembered in storage.local, reported to the ledger as
// {type: "gpc_json", site, day, status: "found"|"absent"|"error", declaration}, and shown in
// the popup.
import { dayOf, hostOf, siteOf } from '../lib/site.js';

const KEY = 'gpcDeclarations';

/** Parses a gpc.json body: an object whose `gpc` is a boolean, else null. */
export function parseDeclaration(text) {
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.gpc === 'boolean') return v;
  } catch {
    // not JSON
  }
  return null;
}

export class GpcDeclarations {
  /** @param {{storage, fetch, now, report(event)}} o */
  constructor({ storage, fetch, now, report, timeoutMs = 5000 }) {
    this.storage = storage;
    this.fetch = fetch;
    this.now = now;
    this.report = report;
    this.timeoutMs = timeoutMs;
    this.inProgress = new Map(); // site → promise, so concurrent page loads fetch once
  }

  async all() {
    return (await this.storage.get(KEY))[KEY] ?? {};
  }

  /** The remembered declaration of the site a page URL belongs to (or null). */
  async forUrl(url) {
    const site = siteOf(hostOf(url));
    return (await this.all())[site] ?? null;
  }

  /** Called for each top-level page load; fetches when this site was not checked today. */
  check(pageUrl) {
    let origin;
    try {
      origin = new URL(pageUrl).origin;
    } catch {
      return Promise.resolve(null);
    }
    if (!/^https?:/.test(origin)) return Promise.resolve(null);
    const site = siteOf(hostOf(pageUrl));
    if (this.inProgress.has(site)) return this.inProgress.get(site);
    const run = this.checkSite(site, origin).finally(() => this.inProgress.delete(site));
    this.inProgress.set(site, run);
    return run;
  }

  async checkSite(site, origin) {
    const day = dayOf(this.now());
    const known = (await this.all())[site];
    if (known?.day === day) return known;
    let status = 'error';
    let declaration = null;
    let message = null;
    try {
      const res = await this.fetch(`${origin}/.well-known/gpc.json`, {
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'follow',
        signal: AbortSignal.timeout?.(this.timeoutMs),
      });
      if (res.status === 404 || res.status === 410) status = 'absent';
      else if (!res.ok) message = `HTTP ${res.status}`;
      else {
        declaration = parseDeclaration(await res.text());
        status = declaration ? 'found' : 'error';
        if (!declaration) message = 'not a GPC declaration';
      }
    } catch (e) {
      message = String(e?.message ?? e);
    }
    const entry = { site, day, status, declaration, checkedAt: this.now(), ...(message ? { message } : {}) };
    const all = await this.all();
    all[site] = entry;
    await this.storage.set({ [KEY]: all });
    await this.report({ type: 'gpc_json', site, day, status, declaration });
    return entry;
  }
}
