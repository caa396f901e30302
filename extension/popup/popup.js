// The popup: renders popupModel(popup_state), kept current while open (refresh.js), and sends
// each switch as set_choice.
import { extensionNamespace } from '../lib/browser-api.js';
import { localize, makeT } from '../lib/i18n.js';
import { call } from '../lib/messaging.js';
import { createRefresher } from './refresh.js';
import { popupModel } from './view-model.js';

const ns = extensionNamespace();
const t = makeT((k, s) => ns.i18n.getMessage(k, s));
const $ = (id) => document.getElementById(id);

/** The tab the popup is about: ?tab=<id> (tests open the popup as a page) or the active tab. */
async function currentTab() {
  const param = new URLSearchParams(location.search).get('tab');
  if (param) return ns.tabs.get(Number(param));
  const [tab] = await ns.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function switchEl(s) {
  const label = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.setAttribute('role', 'switch');
  input.checked = s.checked;
  input.disabled = !!s.disabled;
  input.dataset.scope = s.scope;
  input.dataset.key = s.key;
  if (s.site) input.dataset.site = s.site;
  input.id = `sw-${s.scope}-${s.key.replace(':', '-')}`;
  input.addEventListener('change', () => choose(input));
  label.append(input, document.createTextNode(s.label));
  return label;
}

let tab = null;

async function choose(input) {
  const choice = { scope: input.dataset.scope, key: input.dataset.key, value: input.checked, source: 'popup' };
  if (input.dataset.site) choice.site = input.dataset.site;
  await view.change(
    async () => {
      try {
        const r = await call('set_choice', { choice });
        $('message').textContent = r.synced ? '' : t('choiceQueued');
      } catch (e) {
        $('message').textContent = t('errorPrefix', e.message);
      }
    },
    { focusId: input.id },
  );
}

async function load() {
  return popupModel(await call('popup_state', { tabId: tab?.id ?? -1, url: tab?.url }), t);
}

function paint(m, focusId) {
  document.body.dataset.hostState = m.host.state;
  $('host').dataset.state = m.host.state;
  $('host-text').textContent = m.host.text;
  $('host-fix').hidden = !m.host.command;
  $('host-fix').textContent = m.host.fix;
  $('host-degraded').hidden = !m.host.degraded;
  $('host-retry').hidden = !m.host.degraded;

  $('no-site').hidden = !!m.site;
  $('site-name').textContent = m.site?.name ?? '';
  $('site-switches').replaceChildren(...(m.site?.switches ?? []).map(switchEl));
  $('gpc-status').textContent = m.site?.gpcText ?? '';
  $('dnt-status').textContent = m.site?.dntText ?? '';
  $('declaration').textContent = m.site?.declaration ?? '';

  $('blocked-total').textContent = m.blocked.text;
  $('blocked-total').dataset.total = String(m.blocked.total);
  $('blocked-waiting').hidden = !m.blocked.waiting;
  $('blocked-waiting').textContent = m.blocked.waiting;
  $('blocked-categories').replaceChildren(
    ...m.blocked.categories.map((c) => {
      const li = document.createElement('li');
      li.dataset.category = c.id;
      li.textContent = t('categoryCount', [c.name, c.count]);
      const hosts = document.createElement('div');
      hosts.className = 'hosts';
      hosts.textContent = c.hosts.map((h) => `${h.host} (${h.count})`).join(', ');
      li.append(hosts);
      return li;
    }),
  );
  $('blocked-log').replaceChildren(
    ...m.blocked.log.map((e) => {
      const li = document.createElement('li');
      li.textContent = `${e.categoryName} · ${e.type} · ${e.url}`;
      return li;
    }),
  );
  $('global-switches').replaceChildren(...m.globals.map(switchEl));
  if (focusId) $(focusId)?.focus();
  document.body.dataset.ready = 'true';
}

const view = createRefresher({
  load,
  paint,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (id) => clearTimeout(id),
  focused: () => document.activeElement?.id || undefined,
});
addEventListener('pagehide', () => view.stop());

document.addEventListener('DOMContentLoaded', async () => {
  localize(document, t);
  $('open-options').addEventListener('click', (e) => {
    e.preventDefault();
    ns.runtime.openOptionsPage();
  });
  $('host-retry').addEventListener('click', async () => {
    await call('reconnect');
    await view.refresh({ focusId: 'host-retry' });
  });
  try {
    tab = await currentTab();
  } catch {
    tab = null;
  }
  await view.refresh();
});
