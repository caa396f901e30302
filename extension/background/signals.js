// navigator.globalPrivacyControl / navigator.doNotTrack for pages, in the MAIN world at
// document_start in every frame. The scripts are registered at run time (not in the manifest)
// so the GPC and DNT switches and each per-site exemption apply without waiting for anything:
// one registered script per signal, absent when the signal is off, with excludeMatches for
// each exempt site. Registrations persist across browser restarts.
import { sitesWith } from '../lib/choices.js';

export const SCRIPT_IDS = Object.freeze({ gpc: 'optguard-gpc', dnt: 'optguard-dnt' });
export const SCRIPT_FILES = Object.freeze({ gpc: 'content/gpc-main-world.js', dnt: 'content/dnt-main-world.js' });

/** URL patterns covering a site and its subdomains. */
export function sitePatterns(site) {
  return [`*://${site}/*`, `*://*.${site}/*`];
}

/** The content scripts that should be registered for these choices. */
export function buildContentScripts(choices, { matchOriginAsFallback = true } = {}) {
  const out = [];
  for (const key of ['gpc', 'dnt']) {
    if (!choices.global[key]) continue;
    const exclude = sitesWith(choices, key, false).flatMap(sitePatterns);
    const script = {
      id: SCRIPT_IDS[key],
      js: [SCRIPT_FILES[key]],
      matches: ['<all_urls>'],
      allFrames: true,
      runAt: 'document_start',
      world: 'MAIN',
      persistAcrossSessions: true,
    };
    if (exclude.length) script.excludeMatches = exclude;
    // about:blank / data: frames inherit the signal of the page that made them.
    if (matchOriginAsFallback) script.matchOriginAsFallback = true;
    out.push(script);
  }
  return out;
}

export class SignalScripts {
  constructor({ scripting }) {
    this.scripting = scripting;
    this.fallbackSupported = true;
    this.queue = Promise.resolve();
  }

  apply(choices) {
    const run = this.queue.then(() => this.applyNow(choices));
    this.queue = run.catch(() => {});
    return run;
  }

  async applyNow(choices) {
    const ids = Object.values(SCRIPT_IDS);
    const registered = new Map((await this.scripting.getRegisteredContentScripts({ ids })).map((s) => [s.id, s]));
    const wanted = buildContentScripts(choices, { matchOriginAsFallback: this.fallbackSupported });
    // Unchanged registrations stay; changed ones are replaced (unregister, then register).
    const same = (a, b) => JSON.stringify([...(a?.excludeMatches ?? [])].sort()) === JSON.stringify([...(b.excludeMatches ?? [])].sort());
    const stale = ids.filter((id) => registered.has(id) && !wanted.some((s) => s.id === id && same(registered.get(id), s)));
    const add = wanted.filter((s) => !registered.has(s.id) || stale.includes(s.id));
    if (stale.length) await this.scripting.unregisterContentScripts({ ids: stale });
    if (add.length) {
      try {
        await this.scripting.registerContentScripts(add);
      } catch (e) {
        if (!this.fallbackSupported) throw e;
        // A browser without matchOriginAsFallback: register without it.
        this.fallbackSupported = false;
        return this.applyNow(choices);
      }
    }
    return wanted.map((s) => s.id);
  }
}
