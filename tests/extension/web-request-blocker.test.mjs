import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import { WebRequestBlocker } from '../../extension/background/web-request-blocker.js';
import { RuleManager, RULE_IDS } from '../../extension/background/rules.js';
import { FakeDnr } from './fakes.mjs';

const block = (id, condition, priority = 1) => ({ id, priority, action: { type: 'block' }, condition });
const RULESETS = {
  advertising: [block(1, { urlFilter: '||ads.example^' })],
  tracking: [block(1, { urlFilter: '||trk.example^' }), { id: 2, priority: 2, action: { type: 'allow' }, condition: { urlFilter: '||trk.example/ok^' } }],
  social: [block(1, { requestDomains: ['social.example'] })],
};
const loadRuleset = async (id) => structuredClone(RULESETS[id]);
const choose = (...changes) => changes.reduce((c, ch) => applyChoice(c, ch), defaultChoices());
const details = (url, originUrl = 'https://news.example/', extra = {}) => ({
  requestId: String(Math.random()),
  tabId: 1,
  url,
  type: 'image',
  method: 'GET',
  originUrl,
  documentUrl: originUrl,
  frameAncestors: [],
  ...extra,
});

async function blocker(choices, customRules = []) {
  const seen = [];
  const b = new WebRequestBlocker({ loadRuleset, onBlocked: (d, cat) => seen.push(cat) });
  await b.configure(choices, ['advertising', 'tracking', 'social'].filter((c) => choices.global[`block:${c}`]), customRules);
  b.seen = seen;
  return b;
}

describe('WebRequestBlocker (Firefox)', () => {
  it('cancels what the list rules block, names the category, lets the rest through', async () => {
    const b = await blocker(defaultChoices());
    assert.deepEqual(b.handle(details('https://px.ads.example/a.gif')), { cancel: true });
    assert.deepEqual(b.handle(details('https://trk.example/p')), { cancel: true });
    assert.deepEqual(b.handle(details('https://x.social.example/p')), { cancel: true });
    assert.deepEqual(b.handle(details('https://trk.example/ok/p')), {}, 'the list exception');
    assert.deepEqual(b.handle(details('https://cdn.harmless.example/p')), {});
    assert.deepEqual(b.seen, ['advertising', 'tracking', 'social']);
  });

  it('waits for the index before answering a request made during start', async () => {
    const b = new WebRequestBlocker({ loadRuleset });
    const timers = { setTimeout: () => 0 };
    const pending = b.listener(timers)(details('https://ads.example/a'));
    assert.ok(pending instanceof Promise);
    await b.configure(defaultChoices(), ['advertising'], []);
    assert.deepEqual(await pending, { cancel: true });
    assert.deepEqual(b.listener(timers)(details('https://ads.example/a')), { cancel: true }, 'synchronous once ready');
  });

  it('a category off globally, or for one site (the site\'s own requests only)', async () => {
    let b = await blocker(choose({ scope: 'global', key: 'block:tracking', value: false }));
    assert.deepEqual(b.handle(details('https://trk.example/p')), {});
    assert.deepEqual(b.handle(details('https://ads.example/p')), { cancel: true });
    b = await blocker(choose({ scope: 'site', site: 'news.example', key: 'block:advertising', value: false }));
    assert.deepEqual(b.handle(details('https://ads.example/p', 'https://www.news.example/')), {});
    assert.deepEqual(b.handle(details('https://ads.example/p', 'https://other.example/')), { cancel: true });
    assert.deepEqual(b.handle(details('https://trk.example/p', 'https://news.example/')), { cancel: true }, 'other categories still apply');
  });

  it('a trusted site: nothing blocked in its frames and below, elsewhere as before', async () => {
    const b = await blocker(choose({ scope: 'site', site: 'news.example', key: 'protection', value: false }));
    assert.deepEqual(b.handle(details('https://ads.example/p')), {});
    const inFrame = details('https://ads.example/p', 'https://w.example/', { documentUrl: 'https://w.example/f', frameAncestors: [{ url: 'https://news.example/', frameId: 0 }] });
    assert.deepEqual(b.handle(inFrame), {});
    assert.deepEqual(b.handle(details('https://ads.example/p', 'https://other.example/')), { cancel: true });
  });

  it('custom rules: counted as custom; a custom exception undoes a list block; off with block:custom', async () => {
    const custom = [block(7, { urlFilter: '||harmless.example^' }), { id: 8, priority: 1, action: { type: 'allow' }, condition: { urlFilter: '||ads.example/fine^' } }];
    const b = await blocker(defaultChoices(), custom);
    assert.deepEqual(b.handle(details('https://cdn.harmless.example/a')), { cancel: true });
    assert.deepEqual(b.handle(details('https://ads.example/fine/a')), {});
    assert.deepEqual(b.seen, ['custom']);
  });

  it('learned rules (ids from 90000): counted as learned, switched by block:learned, not block:custom', async () => {
    const host = [block(7, { urlFilter: '||harmless.example^' }), block(90000, { requestDomains: ['px.learned.example'] })];
    const px = (site) => details('https://px.learned.example/p.gif?uid=a1b2c3', `https://${site}/`);
    const cdn = (site) => details('https://cdn.harmless.example/a', `https://${site}/`);
    let b = await blocker(defaultChoices(), host);
    assert.deepEqual(b.handle(px('news.example')), { cancel: true });
    assert.deepEqual(b.handle(cdn('news.example')), { cancel: true });
    assert.deepEqual(b.seen, ['learned', 'custom']);
    // A site's block:custom off lets custom filters through there, not learned trackers.
    b = await blocker(choose({ scope: 'site', site: 'shop.example', key: 'block:custom', value: false }), host);
    assert.deepEqual(b.handle(cdn('shop.example')), {});
    assert.deepEqual(b.handle(px('shop.example')), { cancel: true });
    // A site's block:learned off lets learned trackers through there only.
    const learnedOff = choose({ scope: 'site', site: 'shop.example', key: 'block:learned', value: false });
    b = await blocker(learnedOff, host);
    assert.deepEqual(b.handle(px('shop.example')), {});
    assert.deepEqual(b.handle(px('other.example')), { cancel: true });
    assert.deepEqual(b.handle(cdn('shop.example')), { cancel: true });
    const r = await b.configure(learnedOff, ['advertising', 'tracking', 'social'], host);
    assert.deepEqual(r.categoryExemptions.learned, { sites: ['shop.example'], applied: true, rules: 1, via: 'webRequest' });
    // block:learned off everywhere: the RuleManager leaves the rules out (hostRulesToInstall).
    const dnr = new FakeDnr();
    const off = choose({ scope: 'global', key: 'block:learned', value: false });
    const rm = new RuleManager({ dnr, flavor: 'firefox', declaredRulesets: ['advertising', 'tracking', 'social'], loadRuleset, blocker: (b = new WebRequestBlocker({ loadRuleset })) });
    await rm.apply(off, host);
    assert.deepEqual(b.handle(px('news.example')), {});
    assert.deepEqual(b.handle(cdn('news.example')), { cancel: true });
  });

  it('never touches the extension\'s own requests; nothing at all with protection off', async () => {
    let b = await blocker(defaultChoices());
    assert.deepEqual(b.handle(details('https://ads.example/a', 'moz-extension://uuid/options.html')), {});
    b = await blocker(choose({ scope: 'global', key: 'protection', value: false }));
    assert.deepEqual(b.handle(details('https://ads.example/a')), {});
  });
});

describe('RuleManager with the webRequest blocker', () => {
  it('disables the static rulesets, keeps only its own rules in DNR, gives the blocker the custom rules', async () => {
    const dnr = new FakeDnr();
    const b = new WebRequestBlocker({ loadRuleset });
    const rm = new RuleManager({ dnr, flavor: 'firefox', declaredRulesets: ['advertising', 'tracking', 'social'], loadRuleset, blocker: b });
    const hostRules = [block(5, { urlFilter: '||harmless.example^' })];
    const c = choose({ scope: 'site', site: 'news.example', key: 'block:tracking', value: false });
    const report = await rm.apply(c, hostRules);
    assert.equal(report.listEngine, 'webRequest');
    assert.deepEqual([...dnr.enabled], []);
    assert.deepEqual(report.rulesets, ['advertising', 'tracking', 'social']);
    assert.deepEqual(dnr.dynamic.map((r) => r.id).sort(), [RULE_IDS.gpcSet, RULE_IDS.dntSet]);
    assert.equal(report.host, 1);
    assert.equal(report.categoryExemptions.tracking.applied, true);
    assert.deepEqual(b.handle(details('https://a.harmless.example/x')), { cancel: true });
    assert.deepEqual(b.handle(details('https://trk.example/x', 'https://news.example/')), {});
    const sw = await rm.siteSwitchable();
    assert.deepEqual([sw.advertising.possible, sw.tracking.possible, sw.social.possible], [true, true, true]);
  });
});
