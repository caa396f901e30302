// Pure: turns the background's popup_state into what the popup shows. No DOM, no browser API.
import { CATEGORIES, SITE_CATEGORIES } from '../lib/choices.js';

const HOST_TEXT = {
  connected: 'hostConnected',
  connecting: 'hostConnecting',
  idle: 'hostIdle',
};
const REASON_TEXT = { missing: 'hostMissing', forbidden: 'hostForbidden', exited: 'hostExited', broken: 'hostBroken' };

export function hostModel(status, t) {
  const h = status?.host ?? { state: 'idle' };
  // A connect attempt that carries a diagnosis is a retry after failures (the background keeps
  // the last one while it runs): shown as degraded.
  const retrying = h.state === 'connecting' && !!h.reason;
  if (h.state === 'degraded' || retrying) {
    return {
      state: 'degraded',
      degraded: true,
      text: t(REASON_TEXT[h.reason] ?? 'hostBroken'),
      detail: h.message ?? '',
      fix: h.fix ? t('hostFix', h.fix) : '',
      command: h.fix ?? '',
    };
  }
  const version = h.hello?.host ? `${h.hello.host}` : '';
  return { state: h.state, degraded: false, text: t(HOST_TEXT[h.state] ?? 'hostIdle', version), detail: '', fix: '', command: '' };
}

function signalText(globalOn, siteOn, t) {
  if (!globalOn) return t('signalOff');
  return siteOn ? t('signalSent') : t('signalExempt');
}

export function declarationText(decl, t) {
  if (!decl) return t('declarationUnknown');
  if (decl.status === 'found') return t('declarationFound', [String(decl.declaration?.gpc), decl.day]);
  if (decl.status === 'absent') return t('declarationAbsent', decl.day);
  return t('declarationError', decl.day);
}

export function blockedModel(counts, t) {
  if (!counts || !counts.total) return { total: 0, text: t('blockedNone'), categories: [], log: [] };
  const order = [...CATEGORIES, 'unclassified'];
  const cats = Object.entries(counts.categories)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([id, c]) => ({
      id,
      name: t(`category_${id}`),
      count: c.count,
      hosts: Object.entries(c.hosts)
        .map(([host, count]) => ({ host, count }))
        .sort((a, b) => b.count - a.count || a.host.localeCompare(b.host)),
    }));
  const log = [...counts.log].reverse().map((e) => ({ ...e, categoryName: t(`category_${e.category}`) }));
  return { total: counts.total, text: t('blockedTotal', counts.total), categories: cats, log };
}

export function globalSwitches(choices, t) {
  const g = choices.global;
  const out = [
    { scope: 'global', key: 'gpc', label: t('globalGpc'), checked: !!g.gpc },
    { scope: 'global', key: 'dnt', label: t('globalDnt'), checked: !!g.dnt },
    { scope: 'global', key: 'protection', label: t('globalProtection'), checked: !!g.protection },
  ];
  for (const c of CATEGORIES) {
    out.push({ scope: 'global', key: `block:${c}`, label: t('blockCategory', t(`category_${c}`)), checked: !!g[`block:${c}`], disabled: !g.protection });
  }
  return out;
}

/**
 * Per-site category switches. Disabled (with the reason in the label) when protection or the
 * category is off everywhere, when the site is trusted, or when this browser cannot enforce
 * the exemption (its dynamic-rule limit cannot hold the category's rules: rules.js).
 */
export function siteCategorySwitches(ps, t) {
  const g = ps.choices.global;
  const sc = ps.site_choices;
  return SITE_CATEGORIES.map((c) => {
    const key = `block:${c}`;
    const sw = ps.site_switchable?.[c];
    const globallyOn = !!g.protection && !!g[key];
    // Already off on this site: it can always be switched back on.
    const impossible = globallyOn && sc[key] !== false && sw && !sw.possible;
    const label = t('siteBlockCategory', t(`category_${c}`)) + (impossible ? ` — ${t('siteCategoryImpossible')}` : '');
    return {
      scope: 'site',
      site: ps.host,
      key,
      label,
      checked: globallyOn && sc[key] !== false,
      disabled: !globallyOn || sc.protection === false || !!impossible,
    };
  });
}

export function popupModel(ps, t) {
  const model = { host: hostModel(ps.status, t), site: null, blocked: blockedModel(ps.counts, t), globals: globalSwitches(ps.choices, t) };
  model.blocked.waiting = ps.waiting ? t('blockedWaiting', ps.waiting) : '';
  if (ps.host && /^https?:/.test(ps.url)) {
    const g = ps.choices.global;
    const sc = ps.site_choices;
    model.site = {
      name: ps.site || ps.host,
      host: ps.host,
      switches: [
        { scope: 'site', site: ps.host, key: 'protection', label: t('siteProtection'), checked: sc.protection, disabled: !g.protection },
        { scope: 'site', site: ps.host, key: 'gpc', label: t('siteGpc'), checked: sc.gpc, disabled: !g.gpc },
        { scope: 'site', site: ps.host, key: 'dnt', label: t('siteDnt'), checked: sc.dnt, disabled: !g.dnt },
        ...siteCategorySwitches(ps, t),
      ],
      gpcText: t('gpcStatus', signalText(g.gpc, sc.gpc, t)),
      dntText: t('dntStatus', signalText(g.dnt, sc.dnt, t)),
      declaration: declarationText(ps.declaration, t),
    };
  }
  return model;
}
