// The extension's public suffix list against the system's list (Debian `publicsuffix`, the text
// `optguard compile-dnr` copies into the extension) and against cases from the list's own test
// data (publicsuffix.org tests/test_psl.txt), so sites agree with the host's libpsl.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';

import { PublicSuffixList } from '../../extension/lib/public-suffix.js';
import { isThirdParty, siteOf, usePublicSuffixList } from '../../extension/lib/site.js';

const SYSTEM_LIST = '/usr/share/publicsuffix/public_suffix_list.dat';
const psl = new PublicSuffixList(readFileSync(SYSTEM_LIST, 'utf8'));

describe('PublicSuffixList (the system list)', () => {
  it('reads every rule of the list', () => {
    assert.ok(psl.size > 9000, `${psl.size} rules`);
  });

  const cases = [
    ['example.com', 'example.com'],
    ['www.example.com', 'example.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['www.example.com.au', 'example.com.au'],
    ['foo.github.io', 'foo.github.io'], // PRIVATE section, as libpsl's psl_latest reads it
    ['x.foo.github.io', 'foo.github.io'],
    ['www.example.ck', 'www.example.ck'], // wildcard *.ck: example.ck is itself a suffix...
    ['a.b.example.ck', 'b.example.ck'],
    ['www.ck', 'www.ck'], // ...but !www.ck says www.ck is registrable
    ['a.www.ck', 'www.ck'],
    ['co.uk', 'co.uk'], // a public suffix itself: no registrable domain, the host stands for it
    ['localhost', 'localhost'],
    ['xn--85x722f.xn--55qx5d.cn', 'xn--85x722f.xn--55qx5d.cn'], // 食狮.公司.cn (IDN rule 公司.cn)
    ['www.xn--85x722f.xn--fiqs8s', 'xn--85x722f.xn--fiqs8s'], // 食狮.中国
    ['a.b.c.kobe.jp', 'b.c.kobe.jp'], // *.kobe.jp
    ['www.city.kobe.jp', 'city.kobe.jp'], // !city.kobe.jp
  ];
  for (const [host, site] of cases) {
    it(`${host} → ${site}`, () => assert.equal(psl.registrableDomain(host), site));
  }

  it('skips comments, blank lines and text after the rule', () => {
    const small = new PublicSuffixList('// comment\n\ncom\n*.ck  trailing words\n!www.ck\n');
    assert.equal(small.size, 3);
    assert.equal(small.registrableDomain('a.b.ck'), 'a.b.ck');
  });
});

describe('site.js with and without the list', () => {
  afterEach(() => usePublicSuffixList(null));

  it('uses the list once given: github.io pages are separate sites', () => {
    usePublicSuffixList(psl);
    assert.equal(siteOf('a.github.io'), 'a.github.io');
    assert.equal(isThirdParty('a.github.io', 'b.github.io'), true);
    assert.equal(isThirdParty('cdn.example.co.uk', 'www.example.co.uk'), false);
    assert.equal(siteOf('192.168.0.1'), '192.168.0.1');
  });

  it('approximates without it (an extension folder built without compile-dnr)', () => {
    assert.equal(siteOf('a.github.io'), 'github.io');
    assert.equal(siteOf('www.example.co.uk'), 'example.co.uk');
  });
});
