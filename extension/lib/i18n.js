// Strings come from _locales via i18n.getMessage; pages mark static text with data-i18n.

/** t(key, substitutions) from a getMessage function; an unknown key shows as itself. */
export function makeT(getMessage) {
  return (key, subs) => {
    const s = getMessage(key, subs === undefined ? undefined : [].concat(subs).map(String));
    return s || key;
  };
}

/** Fills every [data-i18n] element's text (and [data-i18n-title] titles) under root. */
export function localize(root, t) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
