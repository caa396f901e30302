// The background's wiring, independent of the browser: holds one of each part and runs the
// flows between them (choice → local rules now → host later; host connected → replay choices,
// adopt state, load rules, flush evidence). main.js builds it with the real browser facade;
// unit tests build it with fakes.
import { effective, SITE_CATEGORIES } from '../lib/choices.js';
import { PublicSuffixList } from '../lib/public-suffix.js';
import { hostOf, siteOf, usePublicSuffixList } from '../lib/site.js';
import { Activity } from './activity.js';
import { TabCounts } from './counts.js';
import { Evidence } from './evidence.js';
import { GpcDeclarations } from './gpc-declaration.js';
import { HostConnection } from './host-connection.js';
import { ListUpdates } from './lists.js';
import { PixelLearner } from './pixel-learner.js';
import { PrivacySettings } from './privacy-settings.js';
import { hostRulesToInstall, RuleManager } from './rules.js';
import { SignalScripts } from './signals.js';
import { State } from './state.js';
import { WebRequestBlocker } from './web-request-blocker.js';

export const EVIDENCE_ALARM = 'optguard-evidence';
/** Written beside the rulesets by `optguard compile-dnr` (the system's list, as libpsl's). */
export const PUBLIC_SUFFIX_FILE = 'rulesets/public_suffix_list.dat';
/** Errors after which a queued choice can never succeed: drop it rather than block the queue. */
const PERMANENT = new Set(['bad_params', 'unknown_type', 'bad_request']);

export class Controller {
  constructor(api, options = {}) {
    this.api = api;
    const { storage, now, timers } = api;
    this.state = new State({ storage: storage.local });
    this.evidence = new Evidence({ storage: storage.local, send: (events) => this.host.request('record', { events }) });
    this.host = new HostConnection({
      connectNative: api.connectNative,
      timers,
      now,
      backoff: options.backoff,
      timeoutMs: options.timeoutMs,
      onStatus: (s) => this.onHostStatus(s),
      onConnected: (hello) => this.onHostConnected(hello),
      onEvent: (e) => this.onHostEvent(e),
    });
    const declared = (api.manifest?.declarative_net_request?.rule_resources ?? []).map((r) => r.id);
    const paths = Object.fromEntries((api.manifest?.declarative_net_request?.rule_resources ?? []).map((r) => [r.id, r.path]));
    // Sites are judged by the public suffix list before any rule, switch or count uses them:
    // start() and every ruleset load (the Firefox blocker's index) wait for it.
    this.publicSuffixes = this.loadPublicSuffixes();
    const loadRuleset = async (id) => {
      await this.publicSuffixes;
      return (await api.fetch(api.runtime.getURL(paths[id]))).json();
    };
    // Firefox: list rules enforced by a blocking webRequest listener over an index (its DNR
    // has no index: web-request-blocker.js). Needs the webRequestBlocking permission, which
    // Chromium does not give an MV3 extension (it keeps the static rulesets).
    const permissions = api.manifest?.permissions ?? [];
    this.blocker =
      options.blocker !== undefined
        ? options.blocker
        : api.flavor === 'firefox' && permissions.includes('webRequestBlocking')
          ? new WebRequestBlocker({
            loadRuleset,
            rulesets: declared,
            onBlocked: (d, category) => this.activity.blockedBy(d.requestId, category),
            clock: now,
          })
          : null;
    this.rules = new RuleManager({
      dnr: api.dnr,
      flavor: api.flavor,
      declaredRulesets: declared,
      loadRuleset,
      blocker: this.blocker,
    });
    this.signals = new SignalScripts({ scripting: api.scripting });
    this.privacy = new PrivacySettings({
      privacy: api.privacy,
      flavor: api.flavor,
      now,
      storage: storage.local,
      report: (e) => this.evidence.addEvent(e),
    });
    this.counts = new TabCounts({ session: storage.session ?? storage.local, action: api.action, now, timers });
    this.gpc = new GpcDeclarations({ storage: storage.local, fetch: api.fetch, now, report: (e) => this.evidence.addEvent(e) });
    this.activity = new Activity({
      flavor: api.flavor,
      counts: this.counts,
      choices: () => this.state.choices,
      // The first classify of a host process may build the engine from the lists: allow time.
      classify: (requests, categories) => this.host.request('classify', { requests, categories }, { timeoutMs: 60000 }),
      hostConnected: () => this.host.connected,
      now,
      timers,
      debugAvailable: !!api.dnr.onRuleMatchedDebug,
    });
    this.lists = new ListUpdates({
      storage: storage.local,
      alarms: api.alarms,
      fetch: api.fetch,
      now,
      hostRequest: (type, params) => this.host.request(type, params, { timeoutMs: 120000 }),
      reloadRules: () => this.loadHostRules(),
    });
    // Learned trackers: pixel observations to the host; what it learns is blocked at once.
    this.pixels = new PixelLearner({
      timers,
      storage: storage.session ?? null, // never storage.local: it would put sites on disk in clear
      hostConnected: () => this.host.connected,
      send: (observations) => this.host.request('observe_pixels', { observations }, { timeoutMs: 60000 }),
      onLearned: () => this.loadHostRules(),
    });
    this.appliedSig = null;
    this.lastApply = null;
    this.evidenceTimer = null;
  }

  /** Every wake: restore state, make sure the browser enforces it, connect to the host. */
  async start() {
    await this.state.load();
    await this.publicSuffixes;
    await this.state.setStatus({ publicSuffixList: this.publicSuffixStatus });
    await this.applyLocal('start');
    this.host.ensure();
    // Pixel observations a stopped worker left waiting go out once the host is connected.
    this.pixels.restore().catch(() => {});
    // Browsers may drop alarms on restart: re-create the list-update alarm from the schedule.
    this.lists.info().then((i) => this.lists.syncAlarm(i.schedule)).catch(() => {});
  }

  /** The public suffix list into lib/site.js; without it sites are approximated (status says so). */
  async loadPublicSuffixes() {
    try {
      const res = await this.api.fetch(this.api.runtime.getURL(PUBLIC_SUFFIX_FILE));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const psl = new PublicSuffixList(await res.text());
      if (psl.size === 0) throw new Error('no rules in it');
      usePublicSuffixList(psl);
      this.publicSuffixStatus = { rules: psl.size };
    } catch (e) {
      usePublicSuffixList(null);
      this.publicSuffixStatus = {
        error: `${PUBLIC_SUFFIX_FILE}: ${e?.message ?? e}; sites are approximated (run optguard compile-dnr)`,
      };
    }
  }

  // ---- local enforcement -------------------------------------------------------------

  /** Applies choices + saved host rules to DNR, content scripts and privacy settings. */
  async applyLocal(why) {
    const choices = this.state.choices;
    const sig = JSON.stringify([choices, this.state.hostRules.version, this.state.hostRules.rules.length]);
    const prior = (await this.api.storage.local.get('appliedSig')).appliedSig;
    // (The webRequest blocker's index lives in memory: it is built again on every wake.)
    if (why === 'start' && prior === sig && !this.blocker) {
      // Same as last time this browser profile applied them (DNR rules and registered scripts
      // persist), but privacy settings still need watching in this worker.
      this.appliedSig = sig;
      this.activity.setCustomRules(hostRulesToInstall(choices, this.state.hostRules.rules));
      await this.privacy.apply(choices, 'choice').catch(() => {});
      await this.state.setStatus({ rulesInstalled: true });
      return this.lastApply;
    }
    const report = await this.rules.apply(choices, this.state.hostRules.rules);
    this.activity.setCustomRules(report.installedHostRules);
    let scripts = [];
    const errors = [...report.errors];
    try {
      scripts = await this.signals.apply(choices);
    } catch (e) {
      errors.push(`content scripts: ${e?.message ?? e}`);
    }
    try {
      await this.privacy.apply(choices, 'choice');
    } catch (e) {
      errors.push(`privacy: ${e?.message ?? e}`);
    }
    this.appliedSig = sig;
    this.lastApply = { ...report, scripts, errors, at: this.api.now() };
    await this.api.storage.local.set({ appliedSig: sig });
    await this.state.setStatus({
      rulesInstalled: true,
      rulesets: report.rulesets,
      ownRules: report.own,
      listEngine: report.listEngine ?? 'declarativeNetRequest',
      listIndexMs: report.listIndexMs ?? null,
      listLoadMs: report.listLoadMs ?? null,
      twinRules: report.twins ?? 0,
      copyRules: report.copies ?? 0,
      rulesetsReplaced: report.rulesetsReplaced ?? [],
      categoryExemptions: report.categoryExemptions ?? {},
      hostRules: report.host,
      hostRulesVersion: this.state.hostRules.version,
      scripts,
      ruleErrors: errors,
      rulesAppliedAt: this.lastApply.at,
    });
    return this.lastApply;
  }

  // ---- choices ------------------------------------------------------------------------

  /** A choice from the popup/options: applied locally at once, then sent to the host. */
  async setChoice(choice) {
    const clean = {
      scope: choice.scope === 'site' ? 'site' : 'global',
      key: String(choice.key),
      value: !!choice.value,
      source: choice.source ?? 'popup',
    };
    if (clean.scope === 'site') clean.site = String(choice.site ?? '').toLowerCase();
    await this.state.setChoice(clean);
    await this.applyLocal('choice');
    const synced = await this.syncChoices();
    return { choices: this.state.choices, synced };
  }

  /** Sends queued choices to the host in order; true when none are left. */
  async syncChoices() {
    if (!this.host.connected) return false;
    const pending = await this.state.pendingChoices();
    let lastState = null;
    for (const c of pending) {
      try {
        const r = await this.host.request('set_choice', c);
        lastState = r?.state ?? lastState;
      } catch (e) {
        if (!PERMANENT.has(e.code)) return false;
      }
      await this.state.ackChoices(1);
    }
    if (lastState?.choices) {
      await this.state.adoptHostChoices(lastState.choices);
      await this.applyLocal('host');
    }
    return true;
  }

  // ---- host ---------------------------------------------------------------------------

  onHostStatus(s) {
    const hello = s.hello ? { protocol: s.hello.protocol, host: s.hello.host, capabilities: s.hello.capabilities } : null;
    const host = { state: s.state, reason: s.reason, message: s.message, fix: s.fix, since: s.since, failures: s.failures, hello };
    const patch = { host, hostConnected: s.state === 'connected' };
    if (s.state !== 'connected') patch.hostSynced = false;
    this.state.setStatus(patch).catch(() => {});
  }

  async onHostConnected() {
    await this.syncChoices();
    try {
      const st = await this.host.request('get_state');
      if (st?.choices) await this.state.adoptHostChoices(st.choices);
    } catch {
      // an older host without get_state: keep the local choices
    }
    await this.loadHostRules();
    // Choices replayed, state adopted, host rules installed: what tests wait for.
    await this.state.setStatus({ hostSynced: this.host.connected, hostSyncedAt: this.api.now() });
    await this.flushEvidence();
    this.pixels.flush().catch(() => {});
    if (!this.activity.debugAvailable && !this.activity.unclassified.length) {
      // Counting needs classify here: have the host load its engine now, not on the first
      // blocked request (a fresh home builds it from the lists, which takes seconds).
      this.host
        .request('classify', { requests: [{ url: 'https://optguard.invalid/', source: 'https://optguard.invalid/', type: 'other' }] }, { timeoutMs: 60000 })
        .catch(() => {});
    }
    await this.activity.classifyWaiting();
  }

  onHostEvent(e) {
    if (e.event === 'rules_changed') this.loadHostRules().catch(() => {});
  }

  /** Loads the host's dynamic rules (paged), saves them, applies. */
  async loadHostRules() {
    let cursor = null;
    const rules = [];
    let version = null;
    try {
      do {
        const r = await this.host.request('get_rules', cursor ? { cursor } : {});
        rules.push(...(r.rules ?? []));
        version = r.version ?? null;
        cursor = r.next_cursor ?? null;
      } while (cursor);
      await this.state.saveHostRules(version, rules, this.api.now());
    } catch (e) {
      await this.state.setStatus({ hostRulesError: String(e?.message ?? e) });
    }
    return this.applyLocal('host');
  }

  // ---- evidence -----------------------------------------------------------------------

  /** Moves counters gathered in memory into storage, and sends what waits if connected. */
  async flushEvidence() {
    const counters = this.activity.drain();
    if (counters.length) await this.evidence.addCounters(counters);
    if (!this.host.connected) return { sent: 0, left: await this.evidence.waiting() };
    const r = await this.evidence.flush();
    await this.state.setStatus({ evidenceWaiting: r.left, evidenceSentAt: this.api.now() });
    return r;
  }

  /** Debounced flush after activity (the alarm is the backstop when the worker sleeps). */
  scheduleEvidence(delay = 3000) {
    if (this.evidenceTimer) return;
    this.evidenceTimer = this.api.timers.setTimeout(() => {
      this.evidenceTimer = null;
      this.flushEvidence().catch(() => {});
    }, delay);
  }

  // ---- views --------------------------------------------------------------------------

  /** Everything the popup shows for one tab. */
  async popupState(tabId, tabUrl) {
    const tab = (await this.counts.get(tabId)) ?? null;
    const url = tabUrl ?? tab?.url ?? '';
    const host = hostOf(url);
    const c = this.state.choices;
    return {
      url,
      host,
      site: siteOf(host),
      choices: c,
      site_choices: {
        protection: effective(c, 'protection', host),
        gpc: effective(c, 'gpc', host),
        dnt: effective(c, 'dnt', host),
        ...Object.fromEntries(SITE_CATEGORIES.map((cat) => [`block:${cat}`, effective(c, `block:${cat}`, host)])),
      },
      // Which per-site category switches this browser can enforce (rules.js: dynamic copies).
      site_switchable: host ? await this.rules.siteSwitchable().catch(() => ({})) : {},
      counts: tab && tab.host === host ? tab : null,
      // Blocked requests in this tab that wait for the host to name their category.
      waiting: this.activity.unclassified.filter((r) => r.tabId === tabId).length,
      declaration: host ? await this.gpc.forUrl(url) : null,
      status: await this.state.status(),
      evidenceWaiting: await this.evidence.waiting(),
    };
  }
}
