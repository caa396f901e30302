// Host names, sites and days. A site is a registrable domain (eTLD+1) by the public suffix list,
// as the host stores it (libpsl): the extension loads the same list at start
// (usePublicSuffixList). Only while that file is missing (an extension folder built without
// `optguard compile-dnr`) does it fall back to the rough rule below, and says so in its status.

let list = null;

/** Judge sites by this PublicSuffixList (lib/public-suffix.js) from now on; null: the fallback. */
export function usePublicSuffixList(psl) {
  list = psl;
}

// Fallback only: second-level labels used under two-letter country codes (example.co.uk).
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'nic']);

/** Lower-case host name of a URL, or "" for URLs without one (about:blank, data:). */
export function hostOf(url) {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return '';
  }
}

function isIp(host) {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host.startsWith('[');
}

/** Registrable domain ("site") of a host name. */
export function siteOf(host) {
  if (!host) return '';
  if (isIp(host)) return host;
  if (list) return list.registrableDomain(host);
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const tld = labels[labels.length - 1];
  const sld = labels[labels.length - 2];
  const take = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** Site of a URL. */
export function siteOfUrl(url) {
  return siteOf(hostOf(url));
}

/** True when a request to `requestHost` is third-party for a page on `pageHost`. */
export function isThirdParty(requestHost, pageHost) {
  if (!requestHost || !pageHost) return false;
  return siteOf(requestHost) !== siteOf(pageHost);
}

/** The host name and each parent domain: "a.b.example.com" → [a.b.example.com, b.example.com, example.com, com]. */
export function hostAndParents(host) {
  const labels = host.split('.');
  const out = [];
  for (let i = 0; i < labels.length; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** UTC calendar day "YYYY-MM-DD" of a time in ms (the host's days are UTC days too). */
export function dayOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** True for pages the extension acts on (http and https documents). */
export function isWebUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}
