// The options page: custom filters, list updates, the ledger, browser privacy settings,
// export/import, diagnostics. Every host call goes through the background (one native port).
import { extensionNamespace } from '../lib/browser-api.js';
import { localize, makeT } from '../lib/i18n.js';
import { call } from '../lib/messaging.js';
import { filterResultLines, ledgerRow, listLines, parseSettingsFile, privacySwitches, verifyText } from './view-model.js';

const ns = extensionNamespace();
const t = makeT((k, s) => ns.i18n.getMessage(k, s));
const $ = (id) => document.getElementById(id);
const host = (type, params = {}) => call('host', { request: { type, ...params } });

function li(text, cls) {
  const el = document.createElement('li');
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

function showError(target, e) {
  target.textContent = t('errorPrefix', e.message ?? String(e));
}

function download(name, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ---- custom filters -------------------------------------------------------------------
async function loadFilters() {
  const list = $('filters-list');
  try {
    const r = await host('filters_list');
    if (!r.filters?.length) {
      list.replaceChildren(li(t('filtersNone')));
      return;
    }
    list.replaceChildren(
      ...r.filters.map((f) => {
        const item = li('');
        const code = document.createElement('code');
        code.textContent = f.text;
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.textContent = t('filtersRemove');
        btn.addEventListener('click', async () => {
          await host('filters_remove', { filters: [f.text] });
          await loadFilters();
        });
        item.append(code, ' ', btn);
        return item;
      }),
    );
  } catch (e) {
    list.replaceChildren(li(t('errorPrefix', e.message), 'error'));
  }
}

async function addFilters() {
  const out = $('filters-result');
  out.replaceChildren(li(t('working')));
  try {
    const r = await host('filters_add', { text: $('filters-input').value });
    const lines = filterResultLines(r, t);
    out.replaceChildren(li(lines[0]), ...lines.slice(1).map((l) => li(l, 'error')));
    // Keep only the lines that failed, so they can be corrected.
    $('filters-input').value = (r.errors ?? []).map((e) => e.text).join('\n');
    await loadFilters();
  } catch (e) {
    out.replaceChildren(li(t('errorPrefix', e.message), 'error'));
  }
}

// ---- learned trackers -----------------------------------------------------------------
async function loadLearned() {
  const list = $('learned-list');
  try {
    const r = await host('learned_list');
    if (!r.trackers?.length) {
      list.replaceChildren(li(t('learnedNone')));
      return;
    }
    list.replaceChildren(
      ...r.trackers.map((tr) => {
        const item = li('');
        item.dataset.domain = tr.domain;
        const code = document.createElement('code');
        code.textContent = tr.domain;
        const sites = document.createElement('span');
        sites.className = 'learned-sites';
        sites.textContent = t('learnedSeenOn', (tr.sites ?? []).join(', '));
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'learned-undo';
        btn.textContent = t('learnedUndo');
        btn.setAttribute('aria-label', t('learnedUndoLabel', tr.domain));
        btn.addEventListener('click', async () => {
          btn.disabled = true;
          try {
            // The background reloads the host's rules after it (messages.js RELOAD_AFTER).
            await host('learned_remove', { domain: tr.domain });
            $('learned-status').textContent = t('learnedUndone', tr.domain);
            await loadLearned();
            $('learned-h').focus?.();
          } catch (e) {
            btn.disabled = false;
            showError($('learned-status'), e);
          }
        });
        item.append(code, ' ', sites, ' ', btn);
        return item;
      }),
    );
  } catch (e) {
    list.replaceChildren(li(t('errorPrefix', e.message), 'error'));
  }
}

// ---- list updates ---------------------------------------------------------------------
async function loadLists() {
  const info = await call('lists_info');
  $('lists-auto').checked = info.schedule.enabled;
  $('lists-hours').value = info.schedule.everyHours;
  $('lists-last').replaceChildren(...listLines(info, t).map((l) => li(l)));
}

// ---- ledger ---------------------------------------------------------------------------
let ledgerCursor = null;
function ledgerQuery() {
  const q = {};
  if ($('ledger-site').value.trim()) q.site = $('ledger-site').value.trim();
  // `record_type`: `type` is the envelope's message type (docs/protocol.md, ledger_list).
  if ($('ledger-type').value) q.record_type = $('ledger-type').value;
  return q;
}

async function showLedger(more) {
  const body = $('ledger-table').querySelector('tbody');
  try {
    const r = await host('ledger_list', { ...ledgerQuery(), ...(more && ledgerCursor ? { cursor: ledgerCursor } : {}) });
    const rows = r.records.map((rec) => {
      const tr = document.createElement('tr');
      for (const cell of ledgerRow(rec)) {
        const td = document.createElement('td');
        td.textContent = cell;
        tr.append(td);
      }
      return tr;
    });
    if (more) body.append(...rows);
    else body.replaceChildren(...rows);
    ledgerCursor = r.next_cursor ?? null;
    $('ledger-more').hidden = !ledgerCursor;
    $('ledger-status').textContent = body.children.length ? '' : t('ledgerEmpty');
  } catch (e) {
    showError($('ledger-status'), e);
  }
}

// ---- privacy settings -----------------------------------------------------------------
async function loadPrivacy() {
  const list = await call('privacy_describe');
  $('privacy-switches').replaceChildren(
    ...privacySwitches(list, t).map((s) => {
      const p = document.createElement('p');
      if (!s.supported) {
        p.textContent = s.label;
        return p;
      }
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.setAttribute('role', 'switch');
      input.checked = s.checked;
      input.id = `privacy-${s.key.replace(':', '-')}`;
      input.addEventListener('change', async () => {
        await call('set_choice', { choice: { scope: 'global', key: s.key, value: input.checked, source: 'options' } });
        await loadPrivacy();
        $(input.id)?.focus();
      });
      const state = document.createElement('small');
      state.textContent = ` — ${s.state}`;
      label.append(input, ' ', s.label, state);
      p.append(label);
      return p;
    }),
  );
}

// ---- wiring ---------------------------------------------------------------------------
document.addEventListener('DOMContentLoaded', () => {
  localize(document, t);
  $('filters-add').addEventListener('click', addFilters);
  $('lists-save').addEventListener('click', async () => {
    await call('lists_schedule', { schedule: { enabled: $('lists-auto').checked, everyHours: Number($('lists-hours').value) } });
    await loadLists();
  });
  $('lists-now').addEventListener('click', async () => {
    $('lists-last').replaceChildren(li(t('working')));
    try {
      await call('lists_update_now');
    } finally {
      await loadLists();
    }
  });
  $('ledger-show').addEventListener('click', () => showLedger(false));
  $('ledger-more').addEventListener('click', () => showLedger(true));
  $('ledger-export').addEventListener('click', async () => {
    try {
      const r = await host('ledger_export', ledgerQuery());
      download(`optguard-receipt-${new Date().toISOString().slice(0, 10)}.json`, r.receipt);
      $('ledger-status').textContent = t('done');
    } catch (e) {
      showError($('ledger-status'), e);
    }
  });
  $('ledger-verify').addEventListener('click', async () => {
    try {
      $('ledger-status').textContent = verifyText(await host('ledger_verify'), t);
    } catch (e) {
      showError($('ledger-status'), e);
    }
  });
  $('backup-export').addEventListener('click', async () => {
    try {
      download('optguard-settings.json', await call('export_settings'));
      $('backup-status').textContent = t('done');
    } catch (e) {
      showError($('backup-status'), e);
    }
  });
  $('backup-import').addEventListener('change', async (ev) => {
    const file = ev.target.files?.[0];
    if (!file) return;
    try {
      const data = parseSettingsFile(await file.text());
      const r = await call('import_settings', { data });
      $('backup-status').textContent = t('backupImported', r.changed);
      await Promise.all([loadPrivacy(), loadLists(), loadFilters()]);
    } catch (e) {
      showError($('backup-status'), e);
    }
  });
  $('diag-run').addEventListener('click', async () => {
    try {
      $('diag-out').textContent = JSON.stringify(await call('diagnostics'), null, 2);
    } catch (e) {
      showError($('diag-out'), e);
    }
  });
  Promise.allSettled([loadFilters(), loadLearned(), loadLists(), loadPrivacy()]).then(() => {
    document.body.dataset.ready = 'true';
  });
});
