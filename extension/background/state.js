// What the background remembers in storage.local, so a stopped service worker (or a browser
// restart without the host) carries on from the last known state:
//   choices          {global, sites}: last state from the host, plus local changes
//   pendingChoices   set_choice requests not yet acknowledged by the host (replayed in order)
//   hostRules        {version, rules, savedAt}: the host's dynamic rules (custom filters)
//   status           the observable status (see README: test hooks)
import { applyChoice, defaultChoices, normalizeChoices } from '../lib/choices.js';

export class State {
  constructor({ storage }) {
    this.storage = storage;
    this.choices = defaultChoices();
    this.hostRules = { version: null, rules: [] };
    this.loaded = null;
    this.queue = Promise.resolve();
    this.statusListeners = [];
  }

  /** fn(status) after every status change (test hooks report it). */
  onStatus(fn) {
    this.statusListeners.push(fn);
  }

  locked(fn) {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  load() {
    this.loaded ??= (async () => {
      const r = await this.storage.get(['choices', 'hostRules']);
      this.choices = normalizeChoices(r.choices);
      this.hostRules = r.hostRules ?? { version: null, rules: [] };
    })();
    return this.loaded;
  }

  /** Applies a choice locally at once and queues it for the host. Returns the new choices. */
  setChoice(choice) {
    return this.locked(async () => {
      this.choices = applyChoice(this.choices, choice);
      const pending = (await this.storage.get('pendingChoices')).pendingChoices ?? [];
      pending.push(choice);
      await this.storage.set({ choices: this.choices, pendingChoices: pending });
      return this.choices;
    });
  }

  /** The choices the host has not acknowledged yet. */
  async pendingChoices() {
    return (await this.storage.get('pendingChoices')).pendingChoices ?? [];
  }

  /** Drops the first `n` pending choices (acknowledged by the host). */
  ackChoices(n) {
    return this.locked(async () => {
      const pending = (await this.storage.get('pendingChoices')).pendingChoices ?? [];
      await this.storage.set({ pendingChoices: pending.slice(n) });
    });
  }

  /**
   * Adopts the host's state (the host is the source of truth), with the choices it has not
   * acknowledged yet applied on top, so a choice still queued is never undone.
   */
  adoptHostChoices(hostChoices) {
    return this.locked(async () => {
      const pending = (await this.storage.get('pendingChoices')).pendingChoices ?? [];
      this.choices = pending.reduce((c, p) => applyChoice(c, p), normalizeChoices(hostChoices));
      await this.storage.set({ choices: this.choices });
      return this.choices;
    });
  }

  /** Replaces all choices (settings import). */
  replaceChoices(choices) {
    return this.adoptHostChoices(choices);
  }

  saveHostRules(version, rules, now) {
    this.hostRules = { version, rules, savedAt: now };
    return this.storage.set({ hostRules: this.hostRules });
  }

  async setStatus(patch) {
    const cur = (await this.storage.get('status')).status ?? {};
    const next = { ...cur, ...patch };
    await this.storage.set({ status: next });
    for (const fn of this.statusListeners) fn(next);
    return next;
  }

  async status() {
    return (await this.storage.get('status')).status ?? {};
  }
}
