// Matches a request against declarativeNetRequest rules the extension holds itself (the host's
// custom-filter rules), so a blocked request can be attributed to them without asking anyone:
// Firefox tells an extension neither which rule matched (no onRuleMatchedDebug) nor, reliably,
// whether the host's engine already knows a filter added moments ago.
// Covers the DNR condition keys the host emits: urlFilter (with ||, |, ^, * syntax),
// regexFilter, isUrlFilterCaseSensitive, requestDomains, excludedRequestDomains,
// initiatorDomains, excludedInitiatorDomains, resourceTypes, excludedResourceTypes, domainType,
// requestMethods, excludedRequestMethods.
import { hostOf, isThirdParty } from './site.js';

function escapeRe(s) {
  return s.replace(/[.+?${}()|[\]\\]/g, '\\$&');
}

/** The RegExp for a DNR urlFilter. */
export function urlFilterToRegExp(filter, caseSensitive = false) {
  let f = filter;
  let prefix = '';
  let suffix = '';
  if (f.startsWith('||')) {
    // Domain anchor: the scheme, then the host or any subdomain of it.
    prefix = '^[a-z][a-z0-9+.-]*:\\/\\/(?:[^/?#]*\\.)?';
    f = f.slice(2);
  } else if (f.startsWith('|')) {
    prefix = '^';
    f = f.slice(1);
  }
  if (f.endsWith('|')) {
    suffix = '$';
    f = f.slice(0, -1);
  }
  let body = '';
  for (const ch of f) {
    if (ch === '*') body += '.*';
    else if (ch === '^') body += '(?:[^A-Za-z0-9_.%-]|$)';
    else body += escapeRe(ch);
  }
  return new RegExp(prefix + body + suffix, caseSensitive ? '' : 'i');
}

/** A condition's domain list as a Set (lists merged by the compiler can hold thousands). */
function domainSet(domains) {
  return domains ? new Set(domains.map((d) => d.toLowerCase())) : null;
}

/** True when host is one of the domains or a subdomain of one. */
function domainMatch(host, domains) {
  let h = host;
  for (;;) {
    if (domains.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
}

/** Compiles one rule's condition into a predicate over {url, type, initiator, method}. */
export function compileCondition(condition) {
  const c = condition ?? {};
  const caseSensitive = c.isUrlFilterCaseSensitive === true;
  const url = c.urlFilter ? urlFilterToRegExp(c.urlFilter, caseSensitive) : null;
  let regex = null;
  if (c.regexFilter) {
    try {
      regex = new RegExp(c.regexFilter, caseSensitive ? '' : 'i');
    } catch {
      return () => false; // a regex JavaScript cannot read: never attribute to it
    }
  }
  const requestDomains = domainSet(c.requestDomains);
  const excludedRequestDomains = domainSet(c.excludedRequestDomains);
  const initiatorDomains = domainSet(c.initiatorDomains);
  const excludedInitiatorDomains = domainSet(c.excludedInitiatorDomains);
  return (req) => {
    // Callers matching many rules against one request pass host / initiatorHost precomputed.
    const host = req.host ?? hostOf(req.url);
    const initiatorHost = req.initiatorHost ?? hostOf(req.initiator ?? '');
    const type = req.type;
    const method = (req.method ?? 'get').toLowerCase();
    // Cheapest checks first.
    if (c.resourceTypes && !c.resourceTypes.includes(type)) return false;
    // Without resourceTypes, DNR leaves out main_frame.
    if (!c.resourceTypes && type === 'main_frame') return false;
    if (c.excludedResourceTypes && c.excludedResourceTypes.includes(type)) return false;
    if (url && !url.test(req.url)) return false;
    if (regex && !regex.test(req.url)) return false;
    if (requestDomains && !domainMatch(host, requestDomains)) return false;
    if (excludedRequestDomains && domainMatch(host, excludedRequestDomains)) return false;
    if (initiatorDomains && !(initiatorHost && domainMatch(initiatorHost, initiatorDomains))) return false;
    if (excludedInitiatorDomains && initiatorHost && domainMatch(initiatorHost, excludedInitiatorDomains)) return false;
    if (c.requestMethods && !c.requestMethods.includes(method)) return false;
    if (c.excludedRequestMethods && c.excludedRequestMethods.includes(method)) return false;
    if (c.domainType) {
      const third = isThirdParty(host, initiatorHost);
      if ((c.domainType === 'thirdParty') !== third) return false;
    }
    return true;
  };
}

/** A matcher over a rule list: first matching block rule (or null). */
export function blockMatcher(rules) {
  const compiled = (rules ?? []).filter((r) => r?.action?.type === 'block').map((r) => ({ rule: r, test: compileCondition(r.condition) }));
  return (req) => compiled.find((x) => x.test(req))?.rule ?? null;
}
