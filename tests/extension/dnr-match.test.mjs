import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockMatcher, compileCondition, urlFilterToRegExp } from '../../extension/lib/dnr-match.js';

const req = (url, type = 'image', initiator = 'https://news.example/') => ({ url, type, initiator });

describe('DNR condition matching (for the host rules the extension installed)', () => {
  it('urlFilter syntax: ||domain anchor, ^ separator, * wildcard, | anchors', () => {
    const t = (f, url) => urlFilterToRegExp(f).test(url);
    assert.ok(t('||tracker.example^', 'https://tracker.example/p.gif'));
    assert.ok(t('||tracker.example^', 'https://px.tracker.example:8080/p.gif'));
    assert.ok(t('||tracker.example^', 'http://tracker.example'));
    assert.ok(!t('||tracker.example^', 'https://nottracker.example/'));
    assert.ok(!t('||tracker.example^', 'https://tracker.example.com/'));
    assert.ok(t('/pixel/*.gif', 'https://a.example/x/pixel/1.gif?y'));
    assert.ok(t('|https://a.example/', 'https://a.example/x'));
    assert.ok(!t('|https://a.example/', 'http://b.example/https://a.example/'));
    assert.ok(t('.gif|', 'https://a.example/x.gif'));
    assert.ok(!t('.gif|', 'https://a.example/x.gif?q'));
    assert.ok(t('COLLECT', 'https://a.example/collect'), 'case-insensitive by default');
    assert.ok(!urlFilterToRegExp('COLLECT', true).test('https://a.example/collect'));
  });

  it('domains, initiators, types, party, methods', () => {
    const c = compileCondition({
      requestDomains: ['t.example'],
      excludedRequestDomains: ['ok.t.example'],
      excludedInitiatorDomains: ['t.example'],
      resourceTypes: ['image', 'beacon'],
      domainType: 'thirdParty',
    });
    assert.ok(c(req('https://px.t.example/a', 'beacon')));
    assert.ok(!c(req('https://ok.t.example/a')));
    assert.ok(!c(req('https://px.t.example/a', 'script')));
    assert.ok(!c(req('https://px.t.example/a', 'image', 'https://t.example/')), 'first party / excluded initiator');
    assert.ok(!compileCondition({ requestMethods: ['post'] })(req('https://a.example/')));
    assert.ok(!compileCondition({ urlFilter: '||a.example^' })(req('https://a.example/', 'main_frame')), 'no resourceTypes: not main_frame');
    assert.ok(!compileCondition({ regexFilter: '(' })(req('https://a.example/')), 'unreadable regex never matches');
    assert.ok(compileCondition({ regexFilter: '^https://a\\.example/\\d+$' })(req('https://a.example/42')));
  });

  it('blockMatcher returns the first matching block rule, ignoring allow rules', () => {
    const m = blockMatcher([
      { id: 1, action: { type: 'allow' }, condition: { urlFilter: '||a.example^' } },
      { id: 2, action: { type: 'block' }, condition: { urlFilter: '||a.example^' } },
    ]);
    assert.equal(m(req('https://a.example/x')).id, 2);
    assert.equal(m(req('https://b.example/x')), null);
  });
});
