// The public suffix list (publicsuffix.org), so the extension judges "the same site" exactly as
// the host does with libpsl: `$third-party` rules in the Firefox blocker, per-site switches and
// counts. `optguard compile-dnr` copies the system's list (Debian package `publicsuffix`, the
// text beside the file libpsl reads) to rulesets/public_suffix_list.dat.
//
// Written here rather than taken from npm: the libraries that do this (tldts, psl) ship either
// CommonJS or ES modules that import further packages by bare name, which an unbundled
// extension cannot load, and they carry their own copy of the list instead of the system's.
// The algorithm is the list's own (publicsuffix.org/list/ "Formal algorithm"), including the
// PRIVATE section, as libpsl's psl_latest() does.

const RULE = 1;
const WILDCARD = 2; // "*.ck": every label under ck is a suffix
const EXCEPTION = 3; // "!www.ck": www.ck is not a suffix after all

/** ASCII (punycode) form of a rule's labels, as URL host names come from the browser. */
function toAscii(name) {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toLowerCase();
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    return null;
  }
}

export class PublicSuffixList {
  /** @param {string} text  the list in its published format */
  constructor(text) {
    this.rules = new Map();
    for (const raw of text.split('\n')) {
      const line = raw.trim().split(/\s/)[0];
      if (!line || line.startsWith('//')) continue;
      let kind = RULE;
      let name = line;
      if (name.startsWith('!')) {
        kind = EXCEPTION;
        name = name.slice(1);
      } else if (name.startsWith('*.')) {
        kind = WILDCARD;
        name = name.slice(2);
      }
      const ascii = toAscii(name);
      if (!ascii) continue;
      // A name can be both a plain suffix and the parent of a wildcard ("*.kawasaki.jp" and
      // "kawasaki.jp" are separate entries): keep both facts.
      const key = kind === WILDCARD ? `*.${ascii}` : kind === EXCEPTION ? `!${ascii}` : ascii;
      this.rules.set(key, kind);
    }
  }

  get size() {
    return this.rules.size;
  }

  /** Number of labels of the public suffix of `labels` (at least 1: the implicit "*" rule). */
  suffixLength(labels) {
    let best = 1;
    for (let i = labels.length - 1; i >= 0; i--) {
      const name = labels.slice(i).join('.');
      const n = labels.length - i;
      if (this.rules.has(`!${name}`)) return n - 1;
      if (this.rules.has(name)) best = Math.max(best, n);
      if (i > 0 && this.rules.has(`*.${name}`)) best = Math.max(best, n + 1);
    }
    return best;
  }

  /**
   * Registrable domain (eTLD+1) of a lower-case ASCII host name; the host itself when it is a
   * public suffix or has no dot (libpsl gives no registrable domain there; the host stores such
   * sites under the host name too).
   */
  registrableDomain(host) {
    const labels = host.split('.');
    const n = this.suffixLength(labels);
    if (labels.length <= n) return host;
    return labels.slice(-(n + 1)).join('.');
  }
}
