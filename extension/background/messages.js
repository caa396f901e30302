// runtime.onMessage dispatcher for the extension's own pages (popup, options). Messages from
// anywhere else (content scripts, web pages) are refused: the sender must be this extension
// and not a tab's content script.
import { normalizeChoices } from '../lib/choices.js';
import { EVIDENCE_ALARM } from './controller.js';

/** Host requests the options page may make directly through the background. */
export const HOST_PASSTHROUGH = new Set([
  'hello', 'ping', 'get_state', 'filters_list', 'filters_add', 'filters_remove',
  'ledger_list', 'ledger_export', 'ledger_verify', 'learned_list', 'learned_remove',
]);

/** Host requests after which the rules must be reloaded (a custom filter takes effect at once). */
const RELOAD_AFTER = new Set(['filters_add', 'filters_remove', 'learned_remove']);

export function isTrustedSender(sender, runtime) {
  if (!sender || sender.id !== runtime.id) return false;
  const base = runtime.getURL('');
  // Extension pages have an extension URL; a content script's sender has the page's URL.
  return typeof sender.url === 'string' ? sender.url.startsWith(base) : !sender.tab;
}

export function createDispatcher(ctl) {
  const handlers = {
    status: async () => ({ ...(await ctl.state.status()), choices: ctl.state.choices }),
    popup_state: (m) => ctl.popupState(m.tabId, m.url),
    set_choice: (m) => ctl.setChoice({ ...m.choice, source: m.choice?.source ?? 'popup' }),
    reconnect: async () => {
      ctl.host.ensure();
      return { ok: true };
    },
    host: async (m) => {
      const type = m.request?.type;
      if (!HOST_PASSTHROUGH.has(type)) throw new Error(`not allowed: ${type}`);
      const { type: _t, ...params } = m.request; // params cannot override the message type
      const result = await ctl.host.request(type, params, { timeoutMs: 60000 });
      if (RELOAD_AFTER.has(type)) await ctl.loadHostRules();
      return result;
    },
    lists_info: () => ctl.lists.info(),
    lists_schedule: (m) => ctl.lists.setSchedule(m.schedule ?? {}),
    lists_update_now: () => ctl.lists.updateNow(),
    privacy_describe: () => ctl.privacy.describe(ctl.state.choices),
    flush_evidence: () => ctl.flushEvidence(),
    flush_pixels: () => ctl.pixels.flush(),
    export_settings: async () => {
      const lists = await ctl.lists.info();
      let customFilters = null;
      try {
        customFilters = (await ctl.host.request('filters_list')).text ?? null;
      } catch {
        // host away: export without the custom filters
      }
      return { format: 'optguard-settings', version: 1, choices: ctl.state.choices, listSchedule: lists.schedule, customFilters };
    },
    import_settings: async (m) => {
      const data = m.data;
      if (data?.format !== 'optguard-settings') throw new Error('not an optguard settings file');
      const wanted = normalizeChoices(data.choices);
      let changed = 0;
      // Each difference is one set_choice, so the ledger records the import choice by choice.
      for (const [key, value] of Object.entries(wanted.global)) {
        if (ctl.state.choices.global[key] !== value) {
          await ctl.setChoice({ scope: 'global', key, value, source: 'options' });
          changed++;
        }
      }
      for (const [site, keys] of Object.entries(wanted.sites)) {
        for (const [key, value] of Object.entries(keys)) {
          if (ctl.state.choices.sites[site]?.[key] !== value) {
            await ctl.setChoice({ scope: 'site', site, key, value, source: 'options' });
            changed++;
          }
        }
      }
      if (data.listSchedule) await ctl.lists.setSchedule(data.listSchedule);
      let filters = null;
      if (typeof data.customFilters === 'string' && data.customFilters.trim()) {
        try {
          filters = await ctl.host.request('filters_add', { text: data.customFilters });
          await ctl.loadHostRules();
        } catch (e) {
          filters = { error: `${e.code ?? 'error'}: ${e.message}` };
        }
      }
      return { changed, filters };
    },
    diagnostics: async () => {
      const api = ctl.api;
      const [dynamic, enabled] = await Promise.all([api.dnr.getDynamicRules(), api.dnr.getEnabledRulesets()]);
      let hello = null;
      let helloError = null;
      try {
        hello = await ctl.host.request('hello');
      } catch (e) {
        helloError = `${e.code ?? 'error'}: ${e.message}`;
      }
      return {
        extension: { version: api.manifest?.version, flavor: api.flavor },
        hello,
        helloError,
        dynamicRules: dynamic.length,
        ownRules: dynamic.filter((r) => r.id >= 100000).length,
        enabledRulesets: enabled,
        evidenceWaiting: await ctl.evidence.waiting(),
        evidenceAlarm: EVIDENCE_ALARM,
        status: await ctl.state.status(),
      };
    },
  };
  return async function dispatch(message, sender) {
    if (!isTrustedSender(sender, ctl.api.runtime)) throw new Error('sender not allowed');
    const h = handlers[message?.type];
    if (!h) throw new Error(`unknown message: ${message?.type}`);
    return h(message);
  };
}
