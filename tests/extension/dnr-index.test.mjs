import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { anchoredHost, compareEntries, filterTokens, GENERAL_TYPE, matchRequest, RuleIndex, urlTokens } from '../../extension/lib/dnr-index.js';
import { compileCondition } from '../../extension/lib/dnr-match.js';

const block = (id, condition, priority = 1) => ({ id, priority, action: { type: 'block' }, condition });
const allow = (id, condition, priority = 2) => ({ id, priority, action: { type: 'allow' }, condition });
const req = (url, type = 'image', initiator = 'https://news.example/', extra = {}) => ({ url, type, initiator, ...extra });

describe('dnr-index: keys', () => {
  it('anchoredHost: only a whole host followed by a separator', () => {
    assert.equal(anchoredHost('||Tracker.example^'), 'tracker.example');
    assert.equal(anchoredHost('||t.example/px'), 't.example');
    assert.equal(anchoredHost('||t.example:8080/'), 't.example');
    assert.equal(anchoredHost('||ads.'), null, 'a host prefix may continue');
    assert.equal(anchoredHost('||t.example'), null, 'no separator: t.example.evil.net matches too');
    assert.equal(anchoredHost('||t*.example^'), null);
    assert.equal(anchoredHost('/t.example^'), null);
  });

  it('filterTokens: whole tokens only (bounded on both sides, not next to *)', () => {
    assert.deepEqual(filterTokens('/analytics.js'), ['analytics']);
    assert.deepEqual(filterTokens('analytics.js'), [], 'unanchored start: may be the end of a longer token');
    assert.deepEqual(filterTokens('|https://cdn.example/pixel'), ['cdn', 'example'], 'last token unbounded on the right');
    assert.deepEqual(filterTokens('/pixel/*.gif|'), ['pixel', 'gif']);
    assert.deepEqual(filterTokens('/ad*banner/'), [], 'next to a wildcard');
    assert.deepEqual(filterTokens('&adid='), ['adid']);
    assert.deepEqual(filterTokens('/a/'), [], 'one-character tokens are too common');
    assert.deepEqual(filterTokens('/Track^'), ['track'], 'lower-cased; ^ bounds a token');
  });

  it('urlTokens', () => {
    assert.deepEqual([...urlTokens('https://A.example/x-y/Pixel.gif?id=%20')].sort(), ['a', 'example', 'gif', 'https', 'id', 'pixel', 'x', 'y', '%20'].sort());
  });

  it('files each rule under one key; regex rules and tokenless filters are generic', () => {
    const idx = new RuleIndex([
      {
        tag: 'l',
        rules: [
          block(1, { urlFilter: '||t.example^' }),
          block(2, { requestDomains: ['a.example', 'b.example'] }),
          block(3, { urlFilter: '/collect?' }),
          block(4, { regexFilter: '^https://x\\.example/\\d+' }),
          block(5, { urlFilter: '*' }),
          { id: 6, priority: 1, action: { type: 'modifyHeaders', requestHeaders: [] }, condition: {} },
        ],
      },
    ]);
    const s = idx.stats();
    assert.equal(s.rules, 5, 'modifyHeaders is not a blocking decision');
    assert.equal(s.domains, 3);
    assert.equal(s.tokens, 1);
    assert.equal(s.generic, 2);
  });
});

describe('dnr-index: matching as DNR decides', () => {
  const rules = [
    block(1, { urlFilter: '||t.example^', domainType: 'thirdParty' }),
    allow(2, { urlFilter: '||t.example/ok/' }),
    block(3, { urlFilter: '/collect?', resourceTypes: ['ping', 'xmlhttprequest'] }),
    block(4, { urlFilter: '||t.example/ok/important' }, 3),
    block(5, { requestDomains: ['px.example'], excludedInitiatorDomains: ['px.example'] }),
    block(6, { regexFilter: '^https://r\\.example/\\d+$' }),
    block(7, { urlFilter: '/top-only^', resourceTypes: ['main_frame'] }),
  ];
  const idx = new RuleIndex([{ tag: 'lists', rules }]);
  const id = (r) => idx.match(r)?.rule.id ?? null;

  it('domain-anchored rules match the host and its subdomains, not look-alikes', () => {
    assert.equal(id(req('https://t.example/p.gif')), 1);
    assert.equal(id(req('https://a.b.t.example/p.gif')), 1);
    assert.equal(id(req('https://nott.example/p.gif')), null);
    assert.equal(id(req('https://t.example.com/p.gif')), null);
    assert.equal(id(req('https://t.example/p.gif', 'image', 'https://www.t.example/')), null, 'first party');
  });

  it('higher priority wins; allow beats block of the same or lower priority', () => {
    assert.equal(id(req('https://t.example/ok/x.gif')), 2);
    assert.equal(id(req('https://t.example/ok/important.gif')), 4);
  });

  it('types: Firefox beacon/imageset read as ping/image; no resourceTypes leaves out main_frame', () => {
    assert.equal(GENERAL_TYPE.beacon, 'ping');
    assert.equal(id(req('https://any.example/collect?x', 'beacon')), 3);
    assert.equal(id(req('https://any.example/collect?x', 'image')), null);
    assert.equal(id(req('https://t.example/', 'main_frame')), null);
    assert.equal(id(req('https://s.example/top-only', 'main_frame')), 7);
    assert.equal(id(req('https://px.example/a', 'imageset')), 5);
  });

  it('requestDomains with excluded initiators; regex rules', () => {
    assert.equal(id(req('https://cdn.px.example/a')), 5);
    assert.equal(id(req('https://cdn.px.example/a', 'image', 'https://px.example/')), null);
    assert.equal(id(req('https://r.example/42')), 6);
    assert.equal(id(req('https://r.example/x42')), null);
  });

  it('allowAllRequests on a frame document allows what the frame and its subframes load', () => {
    const aar = { id: 9, priority: 2, action: { type: 'allowAllRequests' }, condition: { requestDomains: ['trusted.example'], resourceTypes: ['main_frame', 'sub_frame'] } };
    const i2 = new RuleIndex([{ tag: 'lists', rules: [...rules, aar] }]);
    const m = (r) => i2.match(r)?.rule.id ?? null;
    assert.equal(m(req('https://t.example/p.gif', 'image', 'https://trusted.example/', { documents: ['https://trusted.example/'] })), 9);
    // A frame of another site inside the trusted page: still under the trusted top document.
    assert.equal(m(req('https://t.example/p.gif', 'image', 'https://w.example/', { documents: ['https://w.example/f', 'https://trusted.example/'] })), 9);
    assert.equal(m(req('https://t.example/p.gif', 'image', 'https://w.example/', { documents: ['https://w.example/'] })), 1);
    // A higher-priority block is not overridden.
    assert.equal(m(req('https://t.example/ok/important', 'image', 'https://trusted.example/', { documents: ['https://trusted.example/'] })), 4);
  });

  it('accept leaves rules out (a category switched off)', () => {
    assert.equal(idx.match(req('https://t.example/p.gif', 'image', 'https://news.example/', { accept: (e) => e.rule.id !== 1 })), null);
  });

  it('several indexes: dynamic (lower order) before static at the same priority and action', () => {
    const custom = new RuleIndex([{ tag: 'custom', order: 0, rules: [block(1, { urlFilter: '||t.example^' })] }]);
    const lists = new RuleIndex([{ tag: 'lists', order: 10, rules: [block(1, { urlFilter: '||t.example^' })] }]);
    assert.equal(matchRequest([lists, custom], req('https://t.example/a')).tag, 'custom');
    const customAllow = new RuleIndex([{ tag: 'custom', order: 0, rules: [allow(5, { urlFilter: '||t.example^' }, 1)] }]);
    assert.equal(matchRequest([lists, customAllow], req('https://t.example/a')).rule.action.type, 'allow', 'a custom exception undoes a list block');
  });
});

// The real rulesets (generated by `optguard compile-dnr`; git-ignored) against the real request
// sample: the index must pick exactly the rule a scan of every rule picks.
const RULESETS = path.join(import.meta.dirname, '../../extension/rulesets');
// The shared corpus beside the checkout, as the differential test finds it (OPTGUARD_CORPUS overrides).
const REQUESTS = process.env.OPTGUARD_CORPUS ?? path.join(import.meta.dirname, '../../../shared/data/requests.jsonl');
const haveData = ['advertising', 'tracking', 'social'].every((id) => fs.existsSync(path.join(RULESETS, `${id}.json`))) && fs.existsSync(REQUESTS);

describe('dnr-index vs a scan of every rule (real rulesets, real requests)', () => {
  it('same winning rule for a sample of 1,000 requests', { skip: haveData ? false : 'no generated rulesets or request sample' }, () => {
    const sources = ['advertising', 'tracking', 'social'].map((tag) => ({ tag, rules: JSON.parse(fs.readFileSync(path.join(RULESETS, `${tag}.json`), 'utf8')) }));
    if (sources.some((s) => !s.rules.length)) return;
    const idx = new RuleIndex(sources);
    const RANK = { allow: 1, allowAllRequests: 2, block: 3 };
    const all = [];
    sources.forEach(({ tag, rules }, order) => {
      for (const rule of rules) all.push({ rule, tag, order, priority: rule.priority ?? 1, rank: RANK[rule.action.type], test: compileCondition(rule.condition) });
    });
    const lines = fs.readFileSync(REQUESTS, 'utf8').trim().split('\n');
    const step = Math.max(1, Math.floor(lines.length / 1000));
    let blocked = 0;
    for (let i = 0; i < lines.length; i += step) {
      const r = JSON.parse(lines[i]);
      const type = GENERAL_TYPE[r.type] ?? r.type;
      let best = null;
      for (const e of all) {
        if (e.rule.action.type === 'allowAllRequests' && type !== 'main_frame' && type !== 'sub_frame') continue;
        if (best && compareEntries(e, best) >= 0) continue;
        if (e.test({ url: r.url, type, initiator: r.source })) best = e;
      }
      const got = idx.match({ url: r.url, type: r.type, initiator: r.source });
      assert.equal(`${got?.tag}:${got?.rule.id}`, `${best?.tag}:${best?.rule.id}`, JSON.stringify(r));
      if (best?.rule.action.type === 'block') blocked++;
    }
    assert.ok(blocked > 50, `the sample exercises blocking (${blocked} blocked)`);
  });
});
