// Pure helpers for the options page (tested without a DOM).

/** filters_add result → lines to show: a summary and one line per rejected filter. */
export function filterResultLines(result, t) {
  const lines = [t('filtersAdded', result.added ?? 0)];
  for (const e of result.errors ?? []) lines.push(t('filtersLineError', [e.line, e.message, e.text]));
  return lines;
}

/** lists_info → one line per list. */
export function listLines(info, t, names = ['easylist', 'easyprivacy']) {
  return names.map((name) => {
    const last = info.last?.[name];
    if (!last) return t('listsNever', name);
    const when = new Date(last.at).toLocaleString();
    const result = last.ok ? t('listsOk', [last.loaded ?? 0, last.skipped ?? 0]) : t('errorPrefix', last.error);
    return t('listsLast', [name, when, result]);
  });
}

/** A ledger record → table cells [seq, time, type, site, details]. */
export function ledgerRow(rec) {
  const { seq, time, type, site, scope, ...rest } = rec;
  const details = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  const when = typeof time === 'number' ? new Date(time > 1e12 ? time : time * 1000).toISOString() : String(time ?? '');
  return [String(seq ?? ''), when, String(type ?? ''), String(site ?? scope ?? ''), details];
}

/** ledger_verify → a sentence. */
export function verifyText(r, t) {
  return r.ok ? t('ledgerVerified', r.records ?? 0) : t('ledgerBroken', [r.first_bad_seq ?? '?', r.message ?? '']);
}

/** privacy_describe → switch descriptions. */
export function privacySwitches(list, t) {
  return list.map((s) => {
    const name = t(`setting_${s.key.replace('browser:', '')}`);
    if (!s.supported) return { key: s.key, supported: false, label: t('privacyUnsupported', name) };
    const state = t('privacyState', [s.browserAllowed ? t('privacyOn') : t('privacyOff'), s.levelOfControl]);
    return { key: s.key, supported: true, label: t('privacyAllowed', name), checked: !!s.allowed, state };
  });
}

/** Parses an imported settings file; throws a readable error. */
export function parseSettingsFile(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${e.message}`);
  }
  if (data?.format !== 'optguard-settings') throw new Error('not an optguard settings file');
  return data;
}
