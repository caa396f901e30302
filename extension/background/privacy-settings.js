// Browser ad-tracking settings through the `privacy` API. The choice `browser:<name>` says
// whether the browser feature is ALLOWED (false = turned off, the private default).
//
// Changed only when the extension may control the setting (levelOfControl), watched with
// onChange, re-applied when something else changed it and we still may, and every outcome is
// reported as a ledger event {type: "browser_setting", key, action, value, day}.
// Chromium's Topics/FLEDGE/ad-measurement settings can only be set to false: allowing a
// feature again means clearing our setting, never setting true.
import { dayOf } from '../lib/site.js';

/**
 * One table: choice key → the BrowserSetting per browser. `toBrowser(allowed)` is the value
 * to set when not allowed; `isAllowed(value)` reads the browser's value back.
 */
export const SETTINGS = Object.freeze([
  { key: 'browser:topics', chromium: 'websites.topicsEnabled' },
  { key: 'browser:fledge', chromium: 'websites.fledgeEnabled' },
  { key: 'browser:ad_measurement', chromium: 'websites.adMeasurementEnabled' },
  { key: 'browser:hyperlink_auditing', chromium: 'websites.hyperlinkAuditingEnabled', firefox: 'websites.hyperlinkAuditingEnabled' },
  {
    key: 'browser:third_party_cookies',
    chromium: 'websites.thirdPartyCookiesAllowed',
    // Firefox has no boolean: its cookieConfig behaviour "reject_third_party" is the off state.
    firefox: 'websites.cookieConfig',
    firefoxOff: { behavior: 'reject_third_party' },
    firefoxAllowed: (v) => !['reject_third_party', 'reject_all'].includes(v?.behavior),
  },
]);

const CONTROLLABLE = new Set(['controllable_by_this_extension', 'controlled_by_this_extension']);

/** What the setting's value means as "allowed". */
export function isAllowed(def, flavor, value) {
  if (flavor === 'firefox' && def.firefoxAllowed) return def.firefoxAllowed(value);
  return value !== false;
}

/** The value to set to turn the feature off. */
export function offValue(def, flavor) {
  return flavor === 'firefox' && def.firefoxOff ? def.firefoxOff : false;
}

/**
 * Pure decision for one setting: what to do given the person's choice and the browser's
 * {value, levelOfControl}. Returns {op: "set"|"clear"|"none", action: ledger action|null}.
 */
export function decide({ allowed, current, flavor, def, cause }) {
  const level = current?.levelOfControl;
  const nowAllowed = isAllowed(def, flavor, current?.value);
  if (!CONTROLLABLE.has(level)) {
    // Someone else (policy, another extension) holds it: say so, touch nothing.
    const action = cause === 'change' && nowAllowed !== allowed ? 'overridden' : 'not_controllable';
    return { op: 'none', action: nowAllowed === allowed && cause === 'change' ? null : action };
  }
  if (allowed) {
    // Allowing again: release our hold; the browser's own default/user setting applies.
    return level === 'controlled_by_this_extension' ? { op: 'clear', action: 'applied' } : { op: 'none', action: null };
  }
  if (level === 'controlled_by_this_extension' && !nowAllowed) return { op: 'none', action: null };
  return { op: 'set', action: cause === 'change' ? 'reapplied' : 'applied' };
}

export class PrivacySettings {
  /** @param {{privacy, flavor, report(event), now, storage}} o */
  constructor({ privacy, flavor, report, now, storage }) {
    this.privacy = privacy;
    this.flavor = flavor;
    this.report = report;
    this.now = now ?? (() => Date.now());
    this.storage = storage; // storage.local: remembers the last reported outcome per key
    this.choices = null;
    this.watching = false;
  }

  defs() {
    return SETTINGS.map((def) => ({ def, setting: def[this.flavor] ? this.privacy.setting(def[this.flavor]) : null }))
      .filter((x) => x.setting);
  }

  /** Applies the choices to every setting this browser has; starts watching once. */
  async apply(choices, cause = 'choice') {
    this.choices = choices;
    this.watch();
    const results = [];
    for (const { def, setting } of this.defs()) {
      results.push(await this.applyOne(def, setting, cause));
    }
    return results;
  }

  async applyOne(def, setting, cause, changed = null) {
    const allowed = this.choices?.global?.[def.key] ?? false;
    let current = changed ?? (await setting.get({}));
    const d = decide({ allowed, current, flavor: this.flavor, def, cause });
    if (cause === 'change' && d.action === 'reapplied') {
      await this.emit(def.key, 'overridden', isAllowed(def, this.flavor, current.value));
    }
    try {
      if (d.op === 'set') await setting.set({ value: offValue(def, this.flavor) });
      if (d.op === 'clear') await setting.clear({});
    } catch (e) {
      await this.emit(def.key, 'not_controllable', isAllowed(def, this.flavor, current?.value), String(e?.message ?? e));
      return { key: def.key, error: String(e?.message ?? e) };
    }
    if (d.op !== 'none') current = await setting.get({});
    if (d.action) await this.emit(def.key, d.action, isAllowed(def, this.flavor, current?.value));
    return { key: def.key, allowed, value: current?.value, levelOfControl: current?.levelOfControl };
  }

  /** Reports an outcome unless it repeats the last one reported for this key. */
  async emit(key, action, value, message) {
    const memo = (await this.storage.get('privacyReported')).privacyReported ?? {};
    const sig = `${action}:${value}`;
    if (memo[key] === sig && action !== 'overridden' && action !== 'reapplied') return;
    memo[key] = sig;
    await this.storage.set({ privacyReported: memo });
    const event = { type: 'browser_setting', key, action, value, day: dayOf(this.now()) };
    if (message) event.message = message;
    await this.report(event);
  }

  watch() {
    if (this.watching) return;
    this.watching = true;
    for (const { def, setting } of this.defs()) {
      setting.onChange?.addListener((details) => {
        if (!this.choices) return;
        this.applyOne(def, setting, 'change', details).catch(() => {});
      });
    }
  }

  /** For the options page: each setting's choice and the browser's current state. */
  async describe(choices) {
    const out = [];
    for (const def of SETTINGS) {
      const setting = def[this.flavor] ? this.privacy.setting(def[this.flavor]) : null;
      if (!setting) {
        out.push({ key: def.key, supported: false, allowed: choices.global[def.key] });
        continue;
      }
      const cur = await setting.get({});
      out.push({
        key: def.key,
        supported: true,
        allowed: choices.global[def.key],
        browserAllowed: isAllowed(def, this.flavor, cur.value),
        levelOfControl: cur.levelOfControl,
      });
    }
    return out;
  }
}
