import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import {
  adaptRule, buildOwnRules, FALLBACK_RESOURCE_TYPES, TWIN_BASE, twinRules, hostRulesToInstall, OWN_RULE_BASE, PRIORITY, RULE_IDS,
  resourceTypesFor, RuleManager, wantedRulesets, COPY_BASE, copyCategory, excludeInitiators,
} from '../../extension/background/rules.js';
import { categoryOfRule } from '../../extension/background/activity.js';
import { blockMatcher } from '../../extension/lib/dnr-match.js';
import { FakeDnr } from './fakes.mjs';

const chromiumTypes = resourceTypesFor('chromium', null);
const firefoxTypes = resourceTypesFor('firefox', null);

function choose(...changes) {
  return changes.reduce((c, ch) => applyChoice(c, ch), defaultChoices());
}

describe('resource types per browser', () => {
  it('uses the browser enum when it is exposed', () => {
    const types = resourceTypesFor('firefox', { MAIN_FRAME: 'main_frame', IMAGE: 'image', BEACON: 'beacon' });
    assert.deepEqual(types, ['main_frame', 'image', 'beacon']);
  });
  it('falls back to a per-browser list: Firefox has beacon/imageset and no Chromium-only types', () => {
    assert.ok(firefoxTypes.includes('beacon') && firefoxTypes.includes('imageset'));
    assert.ok(!firefoxTypes.includes('webtransport') && !firefoxTypes.includes('webbundle'));
    assert.ok(chromiumTypes.includes('webtransport') && !chromiumTypes.includes('beacon'));
    for (const t of [chromiumTypes, firefoxTypes]) assert.ok(t.includes('main_frame') && t.includes('sub_frame') && t.includes('ping'));
    assert.deepEqual(FALLBACK_RESOURCE_TYPES.firefox, firefoxTypes);
  });
});

describe('buildOwnRules', () => {
  it('sets Sec-GPC: 1 and DNT: 1 on every resource type, main_frame included', () => {
    const rules = buildOwnRules(defaultChoices(), firefoxTypes);
    assert.equal(rules.length, 2);
    const gpc = rules.find((r) => r.id === RULE_IDS.gpcSet);
    const dnt = rules.find((r) => r.id === RULE_IDS.dntSet);
    assert.deepEqual(gpc.action.requestHeaders, [{ header: 'Sec-GPC', operation: 'set', value: '1' }]);
    assert.deepEqual(dnt.action.requestHeaders, [{ header: 'DNT', operation: 'set', value: '1' }]);
    assert.deepEqual(gpc.condition.resourceTypes, firefoxTypes);
    assert.ok(gpc.condition.resourceTypes.includes('main_frame'));
    assert.ok(gpc.condition.resourceTypes.includes('beacon'));
  });

  it('switches GPC and DNT separately', () => {
    const rules = buildOwnRules(choose({ scope: 'global', key: 'gpc', value: false }), chromiumTypes);
    assert.deepEqual(rules.map((r) => r.id), [RULE_IDS.dntSet]);
  });

  it('exempts a site with higher-priority removals: its own requests and its main_frame', () => {
    const c = choose({ scope: 'site', site: 'www.news.example', key: 'gpc', value: false });
    const rules = buildOwnRules(c, chromiumTypes);
    const init = rules.find((r) => r.id === RULE_IDS.gpcExemptInitiator);
    const main = rules.find((r) => r.id === RULE_IDS.gpcExemptMain);
    assert.deepEqual(init.action.requestHeaders, [{ header: 'Sec-GPC', operation: 'remove' }]);
    assert.deepEqual(init.condition.initiatorDomains, ['news.example']);
    assert.deepEqual(init.condition.resourceTypes, chromiumTypes);
    assert.deepEqual(main.condition.requestDomains, ['news.example']);
    assert.deepEqual(main.condition.resourceTypes, ['main_frame']);
    assert.ok(init.priority > PRIORITY.header && main.priority > PRIORITY.header);
    // DNT still goes to that site: the exemption is per signal.
    assert.ok(!rules.some((r) => r.id === RULE_IDS.dntExemptInitiator));
  });

  it('needs no exemption rules when the signal is off everywhere', () => {
    const c = choose({ scope: 'global', key: 'dnt', value: false }, { scope: 'site', site: 'a.example', key: 'dnt', value: false });
    assert.ok(!buildOwnRules(c, chromiumTypes).some((r) => String(r.action.requestHeaders?.[0]?.header) === 'DNT'));
  });

  it('trusts a site with allowAllRequests on its documents, below the header rules', () => {
    const c = choose({ scope: 'site', site: 'shop.example', key: 'protection', value: false });
    const trust = buildOwnRules(c, chromiumTypes).find((r) => r.id === RULE_IDS.trust);
    assert.equal(trust.action.type, 'allowAllRequests');
    assert.deepEqual(trust.condition.requestDomains, ['shop.example']);
    assert.deepEqual(trust.condition.resourceTypes, ['main_frame', 'sub_frame']);
    assert.ok(trust.priority < PRIORITY.header, 'trusting a site keeps the signals');
  });

  it('uses only ids >= 100000', () => {
    const c = choose(
      { scope: 'site', site: 'a.example', key: 'gpc', value: false },
      { scope: 'site', site: 'b.example', key: 'dnt', value: false },
      { scope: 'site', site: 'c.example', key: 'protection', value: false },
    );
    const rules = buildOwnRules(c, chromiumTypes);
    assert.equal(rules.length, 7);
    assert.ok(rules.every((r) => r.id >= OWN_RULE_BASE));
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
  });
});

describe('host rules and rulesets', () => {
  const hostRules = [
    { id: 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['x.example'] } },
    { id: 99999, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['y.example'] } },
    { id: 100001, priority: 1, action: { type: 'block' }, condition: {} },
    { id: 0, action: { type: 'block' }, condition: {} },
  ];
  it('installs host rules only with ids 1..99999', () => {
    assert.deepEqual(hostRulesToInstall(defaultChoices(), hostRules).map((r) => r.id), [1, 99999]);
  });
  it('drops host rules when custom filters, learned trackers or protection are off', () => {
    // ids from 90000 are learned trackers' (block:learned), below are custom filters'.
    assert.deepEqual(hostRulesToInstall(choose({ scope: 'global', key: 'block:custom', value: false }), hostRules).map((r) => r.id), [99999]);
    assert.deepEqual(hostRulesToInstall(choose({ scope: 'global', key: 'block:learned', value: false }), hostRules).map((r) => r.id), [1]);
    assert.deepEqual(hostRulesToInstall(choose({ scope: 'global', key: 'protection', value: false }), hostRules), []);
  });
  it('enables one static ruleset per switched-on category', () => {
    assert.deepEqual(wantedRulesets(defaultChoices()), ['advertising', 'tracking', 'social']);
    assert.deepEqual(wantedRulesets(choose({ scope: 'global', key: 'block:social', value: false })), ['advertising', 'tracking']);
    assert.deepEqual(wantedRulesets(choose({ scope: 'global', key: 'protection', value: false })), []);
  });
});

describe('RuleManager', () => {
  it('disables and re-enables rulesets by difference, and replaces the dynamic rules', async () => {
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'chromium' });
    const off = choose({ scope: 'global', key: 'block:tracking', value: false });
    await rm.apply(off, [{ id: 5, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['z.example'] } }]);
    assert.deepEqual([...dnr.enabled].sort(), ['advertising', 'social']);
    assert.deepEqual(dnr.dynamic.map((r) => r.id).sort((a, b) => a - b), [5, 100001, 100002]);
    await rm.apply(defaultChoices(), []);
    assert.deepEqual([...dnr.enabled].sort(), ['advertising', 'social', 'tracking']);
    assert.deepEqual(dnr.dynamic.map((r) => r.id).sort(), [100001, 100002]);
    assert.deepEqual(dnr.calls.at(-2), { enableRulesetIds: ['tracking'], disableRulesetIds: [] });
  });

  it('keeps the signals when the browser rejects a host rule', async () => {
    const dnr = new FakeDnr();
    dnr.rejectIf = (rules) => (rules.some((r) => r.id === 7) ? 'Rule with id 7: bad regex' : null);
    const rm = new RuleManager({ dnr, flavor: 'firefox' });
    const report = await rm.apply(defaultChoices(), [{ id: 7, priority: 1, action: { type: 'block' }, condition: { regexFilter: '(' } }]);
    assert.deepEqual(dnr.dynamic.map((r) => r.id).sort(), [100001, 100002]);
    assert.match(report.errors[0], /bad regex/);
    assert.equal(report.host, 0);
  });

  it('does not touch rulesets the manifest does not declare (not generated yet)', async () => {
    const dnr = new FakeDnr({ enabled: [] });
    const rm = new RuleManager({ dnr, flavor: 'chromium', declaredRulesets: ['advertising'] });
    await rm.apply(defaultChoices(), []);
    assert.deepEqual([...dnr.enabled], ['advertising']);
  });
});

describe('host rules adapted to the browser', () => {
  it('drops resource types the browser lacks, and rules left with none', () => {
    const r = { id: 1, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||t.example^', resourceTypes: ['image', 'webtransport'], excludedResourceTypes: ['webbundle'] } };
    assert.deepEqual(adaptRule(r, firefoxTypes).condition, { urlFilter: '||t.example^', resourceTypes: ['image'] });
    assert.equal(adaptRule({ ...r, condition: { resourceTypes: ['webbundle'] } }, firefoxTypes), null);
    assert.deepEqual(adaptRule(r, chromiumTypes), r);
  });

  it('installs no more custom rules than the browser allows, and says so', async () => {
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'firefox', maxDynamicRules: 5 });
    const many = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: [`h${i}.example`], resourceTypes: ['image', 'webtransport'] } }));
    const report = await rm.apply(defaultChoices(), many);
    assert.equal(dnr.dynamic.length, 5);
    assert.equal(report.host, 3);
    assert.match(report.errors[0], /3 custom rules over the browser's limit of 5/);
    assert.ok(dnr.dynamic.every((x) => !x.condition.resourceTypes?.includes('webtransport')));
  });
});

describe('Firefox twins of list rules (beacon, imageset, object_subrequest)', () => {
  const lists = {
    tracking: [
      { id: 1, priority: 1, action: { type: 'block' }, condition: { domainType: 'thirdParty', resourceTypes: ['ping'] } },
      { id: 2, priority: 1, action: { type: 'block' }, condition: { urlFilter: '/pixel.', resourceTypes: ['image', 'script'] } },
      { id: 3, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['t.example'] } },
      { id: 4, priority: 2, action: { type: 'allow' }, condition: { urlFilter: '/ok.gif', resourceTypes: ['image', 'imageset'] } },
    ],
    advertising: [{ id: 1, priority: 3, action: { type: 'block' }, condition: { urlFilter: '/ad', resourceTypes: ['image', 'ping', 'object'] } }],
    social: [],
  };

  it('adds a rule for each Firefox-only type a list rule misses', () => {
    const twins = twinRules(lists.tracking, firefoxTypes, 500);
    assert.deepEqual(twins.map((r) => [r.id, r.condition.resourceTypes]), [[500, ['beacon']], [501, ['imageset']]]);
    assert.deepEqual(twins[0].condition, { domainType: 'thirdParty', resourceTypes: ['beacon'] });
    assert.deepEqual(twinRules(lists.advertising, firefoxTypes, 0)[0].condition.resourceTypes, ['beacon', 'imageset', 'object_subrequest']);
    assert.equal(twinRules(lists.advertising, firefoxTypes, 0)[0].priority, 3);
    assert.deepEqual(twinRules(lists.tracking, chromiumTypes, 0), [], 'Chromium has none of these types');
  });

  it('installs twins only in Firefox and only for enabled categories', async () => {
    const loads = [];
    const loadRuleset = async (id) => {
      loads.push(id);
      return lists[id];
    };
    const ff = new FakeDnr();
    const rm = new RuleManager({ dnr: ff, flavor: 'firefox', loadRuleset });
    let report = await rm.apply(defaultChoices(), []);
    assert.equal(report.twins, 3);
    assert.deepEqual(ff.dynamic.filter((r) => r.id >= TWIN_BASE).map((r) => r.id), [TWIN_BASE, TWIN_BASE + 1, TWIN_BASE + 2]);
    report = await rm.apply(applyChoice(defaultChoices(), { scope: 'global', key: 'block:tracking', value: false }), []);
    assert.equal(report.twins, 1);
    assert.deepEqual(ff.dynamic.find((r) => r.id === TWIN_BASE).condition.urlFilter, '/ad');
    assert.equal(loads.filter((x) => x === 'tracking').length, 1, 'each ruleset read once');
    const cr = new FakeDnr();
    await new RuleManager({ dnr: cr, flavor: 'chromium', loadRuleset }).apply(defaultChoices(), []);
    assert.ok(!cr.dynamic.some((r) => r.id >= TWIN_BASE));
  });
});

describe('per-site category switches', () => {
  const social = [
    { id: 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['social.example', 'like.example'] } },
    { id: 2, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||share.example/btn', initiatorDomains: ['a.example', 'news.example'] } },
    { id: 3, priority: 2, action: { type: 'allow' }, condition: { urlFilter: '||social.example/ok' } },
  ];
  const ads = [{ id: 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['ads.example', 'like.example'] } }];
  const big = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, priority: 1, action: { type: 'block' }, condition: { urlFilter: `/t${i}.` } }));
  const lists = { social, advertising: ads, tracking: big };
  const loadRuleset = async (id) => lists[id];
  const socialOff = (site = 'www.news.example') => choose({ scope: 'site', site, key: 'block:social', value: false });

  it('excludeInitiators touches block rules only, keeps initiatorDomains and adds to the exclusions', () => {
    const r = excludeInitiators({ id: 5, priority: 1, action: { type: 'block' }, condition: { initiatorDomains: ['x.example'], excludedInitiatorDomains: ['z.example'] } }, ['a.example']);
    assert.deepEqual(r.condition.initiatorDomains, ['x.example']);
    assert.deepEqual(r.condition.excludedInitiatorDomains, ['a.example', 'z.example']);
    const allow = { id: 6, priority: 2, action: { type: 'allow' }, condition: { urlFilter: 'x' } };
    assert.equal(excludeInitiators(allow, ['a.example']), allow);
  });

  it('social off on one site: the static ruleset is replaced by copies that skip that site only', async () => {
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'chromium', loadRuleset, maxDynamicRules: 100 });
    const report = await rm.apply(socialOff(), []);
    assert.deepEqual([...dnr.enabled].sort(), ['advertising', 'tracking'], 'social ruleset disabled, the others stay static');
    const copies = dnr.dynamic.filter((r) => copyCategory(r.id) === 'social');
    assert.deepEqual(copies.map((r) => r.id), [COPY_BASE.social, COPY_BASE.social + 1, COPY_BASE.social + 2]);
    assert.deepEqual(copies[0].condition, { requestDomains: ['social.example', 'like.example'], excludedInitiatorDomains: ['news.example'] });
    assert.deepEqual(copies[1].condition.initiatorDomains, ['a.example', 'news.example']);
    assert.deepEqual(copies[2], { ...social[2], id: COPY_BASE.social + 2 }, 'allow rules unchanged');
    assert.deepEqual(report.categoryExemptions.social, { sites: ['news.example'], applied: true, rules: 3 });
    // What the browser would do with the dynamic copies: blocked elsewhere, let through on the site.
    const match = blockMatcher(dnr.dynamic);
    const req = (initiator) => ({ url: 'https://social.example/w.js', type: 'script', initiator, method: 'get' });
    assert.ok(match(req('https://other.example/')), 'other sites still blocked');
    assert.ok(!match(req('https://www.news.example/')), 'let through on the exempt site');
    assert.ok(!match(req('https://news.example/')), 'and its other hosts');
    // The matched copy is counted as social (onRuleMatchedDebug reports _dynamic + id).
    assert.equal(categoryOfRule({ rulesetId: '_dynamic', ruleId: COPY_BASE.social }), 'social');
    assert.equal(categoryOfRule({ rulesetId: '_dynamic', ruleId: COPY_BASE.tracking + 7 }), 'tracking');
    // Back on: the static ruleset returns, the copies go.
    await rm.apply(defaultChoices(), []);
    assert.deepEqual([...dnr.enabled].sort(), ['advertising', 'social', 'tracking']);
    assert.ok(!dnr.dynamic.some((r) => copyCategory(r.id)));
  });

  it('a request in two lists stays blocked by the other category on the exempt site', async () => {
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'chromium', loadRuleset, maxDynamicRules: 100 });
    await rm.apply(socialOff(), []);
    // like.example is in social (copy, exempt here) and advertising (static ruleset, still on).
    assert.ok(dnr.enabled.has('advertising') && lists.advertising[0].condition.requestDomains.includes('like.example'));
    assert.ok(!dnr.dynamic.some((r) => r.action.type === 'allow' && copyCategory(r.id) === null), 'no allow rule that would override other lists');
  });

  it('a category whose copies do not fit the dynamic limit stays enforced and says so', async () => {
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'firefox', loadRuleset, maxDynamicRules: 40 });
    const c = choose({ scope: 'site', site: 'news.example', key: 'block:tracking', value: false });
    const report = await rm.apply(c, []);
    assert.ok(dnr.enabled.has('tracking'), 'still blocking there: nothing faked');
    assert.equal(report.categoryExemptions.tracking.applied, false);
    assert.equal(report.categoryExemptions.tracking.reason, 'too_many_rules');
    const sw = await rm.siteSwitchable();
    assert.equal(sw.tracking.possible, false);
    assert.equal(sw.social.possible, true);
    assert.equal(sw.custom.possible, true);
  });

  it('custom filters off on a site: the host rules get the site excluded', async () => {
    const hostRules = [{ id: 7, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||cdn.example/px' } }];
    const c = choose({ scope: 'site', site: 'shop.example', key: 'block:custom', value: false });
    const installed = hostRulesToInstall(c, hostRules);
    assert.deepEqual(installed[0].condition.excludedInitiatorDomains, ['shop.example']);
    const dnr = new FakeDnr();
    const report = await new RuleManager({ dnr, flavor: 'chromium' }).apply(c, hostRules);
    assert.deepEqual(report.categoryExemptions.custom.sites, ['shop.example']);
    const match = blockMatcher(dnr.dynamic.filter((r) => r.id < OWN_RULE_BASE));
    assert.ok(match({ url: 'https://cdn.example/px.gif', type: 'image', initiator: 'https://other.example/', method: 'get' }));
    assert.ok(!match({ url: 'https://cdn.example/px.gif', type: 'image', initiator: 'https://shop.example/', method: 'get' }));
  });

  it('learned trackers follow block:learned per site, not block:custom (Chromium DNR)', async () => {
    const hostRules = [
      { id: 7, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||cdn.example/px' } },
      { id: 90000, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['px.learned.example'] } },
    ];
    const req = (url, site) => ({ url, type: 'image', initiator: `https://${site}/`, method: 'get' });
    // block:custom off on shop.example: the learned tracker is still blocked there.
    let c = choose({ scope: 'site', site: 'shop.example', key: 'block:custom', value: false });
    let installed = hostRulesToInstall(c, hostRules);
    assert.deepEqual(installed[0].condition.excludedInitiatorDomains, ['shop.example']);
    assert.equal(installed[1].condition.excludedInitiatorDomains, undefined);
    let match = blockMatcher(installed);
    assert.ok(match(req('https://px.learned.example/p.gif', 'shop.example')));
    assert.ok(!match(req('https://cdn.example/px.gif', 'shop.example')));
    // block:learned off on shop.example: learned let through there only, custom still blocked.
    c = choose({ scope: 'site', site: 'shop.example', key: 'block:learned', value: false });
    installed = hostRulesToInstall(c, hostRules);
    match = blockMatcher(installed);
    assert.ok(!match(req('https://px.learned.example/p.gif', 'shop.example')));
    assert.ok(match(req('https://px.learned.example/p.gif', 'other.example')));
    assert.ok(match(req('https://cdn.example/px.gif', 'shop.example')));
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'chromium' });
    const report = await rm.apply(c, hostRules);
    assert.deepEqual(report.categoryExemptions.learned, { sites: ['shop.example'], applied: true, rules: 1 });
    assert.equal(report.categoryExemptions.custom, undefined);
    assert.equal((await rm.siteSwitchable()).learned.possible, true);
  });

  it('Firefox twins of a replaced ruleset come from its copies (the exemption included)', async () => {
    const withPing = [{ id: 1, priority: 1, action: { type: 'block' }, condition: { urlFilter: '/px', resourceTypes: ['ping'] } }];
    const dnr = new FakeDnr();
    const rm = new RuleManager({ dnr, flavor: 'firefox', loadRuleset: async (id) => (id === 'social' ? withPing : []), maxDynamicRules: 100 });
    await rm.apply(socialOff(), []);
    const twin = dnr.dynamic.find((r) => r.id >= TWIN_BASE && r.id < COPY_BASE.advertising);
    assert.deepEqual(twin.condition.resourceTypes, ['beacon']);
    assert.deepEqual(twin.condition.excludedInitiatorDomains, ['news.example']);
  });
});
