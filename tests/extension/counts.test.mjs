import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import { Activity, BLOCKED_ERRORS, categoryOfRule } from '../../extension/background/activity.js';
import { addBlocked, badgeText, emptyTab, TabCounts } from '../../extension/background/counts.js';
import { FakeClock, FakeStorage, fakeAction, settle } from './fakes.mjs';

function setup({ flavor = 'chromium', debugAvailable = false, connected = true, verdict } = {}) {
  const clock = new FakeClock();
  const session = new FakeStorage();
  const action = fakeAction();
  const counts = new TabCounts({ session, action, now: clock.now, timers: clock, logLimit: 3 });
  let choices = defaultChoices();
  const classified = [];
  const state = { connected };
  const activity = new Activity({
    flavor,
    counts,
    choices: () => choices,
    classify: async (requests, categories) => {
      if (!state.connected) throw Object.assign(new Error('down'), { code: 'host_unavailable' });
      classified.push({ requests, categories });
      const verdicts = requests.map((r) => verdict?.(r) ?? (r.url.includes('tracker') ? { verdict: 'block', category: 'tracking' } : { verdict: 'none', category: null }));
      const cut = state.cutAt != null && state.cutAt < verdicts.length ? state.cutAt : null;
      return { verdicts: cut == null ? verdicts : verdicts.slice(0, cut), next_index: cut };
    },
    hostConnected: () => state.connected,
    now: clock.now,
    timers: clock,
    debugAvailable,
  });
  return { clock, session, action, counts, activity, classified, state, setChoices: (c) => (choices = c) };
}

const page = (tabId, url) => ({ tabId, type: 'main_frame', url, requestId: `nav${tabId}` });
const blocked = (tabId, url, error, requestId = url, type = 'image') => ({ tabId, url, type, error, requestId, documentUrl: 'https://news.example/' });

describe('counts', () => {
  it('badge text', () => {
    assert.equal(badgeText(0), '');
    assert.equal(badgeText(7), '7');
    assert.equal(badgeText(1000), '999+');
  });

  it('counts by category and host, logs in order with a limit, flags third parties', () => {
    const t = emptyTab('https://www.news.example/a');
    for (const url of ['https://px.tracker.example/1', 'https://px.tracker.example/2', 'https://ads.example/x', 'https://cdn.news.example/t']) {
      addBlocked(t, { url, type: 'image', category: url.includes('ads') ? 'advertising' : 'tracking', time: 1 }, 3);
    }
    assert.equal(t.total, 4);
    assert.deepEqual(t.categories.tracking, { count: 3, hosts: { 'px.tracker.example': 2, 'cdn.news.example': 1 } });
    assert.deepEqual(t.categories.advertising, { count: 1, hosts: { 'ads.example': 1 } });
    assert.equal(t.log.length, 3);
    assert.equal(t.log[0].url, 'https://px.tracker.example/2');
    assert.equal(t.log[1].thirdParty, true);
    assert.equal(t.log[2].thirdParty, false, 'same site is first party');
  });

  it('badge: the first block shows at once, a burst costs one more call, not one per request', async () => {
    const { counts, clock } = setup();
    const calls = [];
    counts.action = { setBadgeText: async (o) => calls.push(o.text) };
    await counts.navigate(4, 'https://news.example/');
    for (let i = 0; i < 200; i++) await counts.blocked(4, { url: `https://t.example/${i}.gif`, type: 'image', category: 'tracking' });
    assert.deepEqual(calls, ['', '1'], 'first block shown at once, the rest wait');
    await clock.advance(150);
    assert.deepEqual(calls, ['', '1', '200']);
    await clock.advance(1000);
    assert.deepEqual(calls, ['', '1', '200'], 'nothing more once the count is shown');
  });

  it('resets a tab on navigation, sets the badge, and persists to storage.session', async () => {
    const { counts, action, session, clock } = setup();
    await counts.navigate(3, 'https://news.example/');
    await counts.blocked(3, { url: 'https://t.example/p.gif', type: 'image', category: 'tracking' });
    await counts.blocked(3, { url: 'https://t.example/q.gif', type: 'image', category: 'tracking' });
    await clock.advance(300);
    assert.equal(action.badges.get(3), '2');
    assert.equal(session.data.tabCounts['3'].total, 2);
    // A new worker reads the same counts back.
    const again = new TabCounts({ session, action, now: clock.now, timers: clock });
    assert.equal((await again.get(3)).total, 2);
    await counts.navigate(3, 'https://other.example/');
    assert.equal(action.badges.get(3), '');
    assert.equal((await counts.get(3)).total, 0);
  });
});

describe('Activity: what was blocked, exactly', () => {
  it('Chromium with onRuleMatchedDebug: the matched rule gives the category, other blocks are not ours', async () => {
    const { activity, counts, classified } = setup({ debugAvailable: true });
    await activity.onRequest(page(1, 'https://news.example/'));
    activity.onRuleMatched({ request: { requestId: 'r1' }, rule: { rulesetId: 'advertising', ruleId: 4 } });
    activity.onRuleMatched({ request: { requestId: 'r2' }, rule: { rulesetId: '_dynamic', ruleId: 12 } });
    activity.onRuleMatched({ request: { requestId: 'r3' }, rule: { rulesetId: '_dynamic', ruleId: 100001 } }); // header rule
    await activity.onError(blocked(1, 'https://ads.example/a.gif', BLOCKED_ERRORS.chromium, 'r1'));
    await activity.onError(blocked(1, 'https://mine.example/b.gif', BLOCKED_ERRORS.chromium, 'r2'));
    await activity.onError(blocked(1, 'https://other-ext.example/c.gif', BLOCKED_ERRORS.chromium, 'r3'));
    await activity.onError(blocked(1, 'https://x.example/d', 'net::ERR_CONNECTION_REFUSED', 'r4'));
    const t = await counts.get(1);
    assert.equal(t.total, 2);
    assert.deepEqual(Object.keys(t.categories).sort(), ['advertising', 'custom']);
    assert.equal(classified.length, 0, 'no host round trip needed');
  });

  it('categoryOfRule', () => {
    assert.equal(categoryOfRule({ rulesetId: 'social', ruleId: 1 }), 'social');
    assert.equal(categoryOfRule({ rulesetId: '_dynamic', ruleId: 89999 }), 'custom');
    assert.equal(categoryOfRule({ rulesetId: '_dynamic', ruleId: 90000 }), 'learned'); // learned trackers
    assert.equal(categoryOfRule({ rulesetId: '_dynamic', ruleId: 100007 }), null);
    assert.equal(categoryOfRule({ rulesetId: '_session', ruleId: 1 }), null);
  });

  it('Firefox: NS_ERROR_ABORT is classified by the host; only "block" verdicts count', async () => {
    const { activity, counts, classified, clock } = setup({ flavor: 'firefox' });
    await activity.onRequest(page(2, 'https://news.example/'));
    await activity.onError(blocked(2, 'https://px.tracker.example/p.gif', 'NS_ERROR_ABORT', 'a'));
    await activity.onError(blocked(2, 'https://news.example/aborted-load', 'NS_ERROR_ABORT', 'b'));
    await activity.onError(blocked(2, 'https://px.tracker.example/x', BLOCKED_ERRORS.chromium, 'c'));
    await clock.advance(50);
    assert.equal(classified.length, 1, 'one batch');
    assert.equal(classified[0].requests.length, 2);
    assert.deepEqual(classified[0].requests[0], { url: 'https://px.tracker.example/p.gif', source: 'https://news.example/', type: 'image' });
    assert.equal(classified[0].categories.advertising, true);
    const t = await counts.get(2);
    assert.equal(t.total, 1);
    assert.deepEqual(t.categories.tracking.hosts, { 'px.tracker.example': 1 });
  });

  it('Firefox webRequest blocker: the category it noted counts without the host; other aborts go to classify', async () => {
    const { activity, counts, classified, clock } = setup({ flavor: 'firefox', connected: false });
    await activity.onRequest(page(2, 'https://news.example/'));
    activity.blockedBy('a', 'advertising');
    await activity.onError(blocked(2, 'https://ads.example/p.gif', 'NS_ERROR_ABORT', 'a'));
    await activity.onError(blocked(2, 'https://news.example/aborted-load', 'NS_ERROR_ABORT', 'b'));
    await clock.advance(50);
    const t = await counts.get(2);
    assert.equal(t.total, 1);
    assert.deepEqual(t.categories.advertising.hosts, { 'ads.example': 1 });
    assert.equal(classified.length, 0, 'the host is away');
    assert.equal(activity.unclassified.length, 1, 'only the unexplained abort waits');
    assert.equal(activity.blockedCategory.size, 0, 'the note is used once');
  });

  it('keeps blocked requests while the host is away and classifies them when it returns', async () => {
    const { activity, counts, clock, state } = setup({ flavor: 'firefox', connected: false });
    await activity.onRequest(page(4, 'https://news.example/'));
    await activity.onError(blocked(4, 'https://px.tracker.example/p.gif', 'NS_ERROR_ABORT'));
    await clock.advance(50);
    assert.equal((await counts.get(4)).total, 0);
    assert.equal(activity.unclassified.length, 1);
    state.connected = true;
    assert.equal(await activity.classifyWaiting(), 1);
    assert.equal((await counts.get(4)).total, 1);
  });

  it('retries a failed classify (a slow first engine load) and follows next_index paging', async () => {
    const { activity, counts, clock, state, classified } = setup({ flavor: 'firefox' });
    await activity.onRequest(page(6, 'https://news.example/'));
    const realClassify = activity.classify;
    let fail = true;
    activity.classify = async (...a) => {
      if (fail) throw Object.assign(new Error('classify: no reply within 60000 ms'), { code: 'timeout' });
      return realClassify(...a);
    };
    for (let i = 0; i < 3; i++) await activity.onError(blocked(6, `https://px.tracker.example/${i}`, 'NS_ERROR_ABORT', `q${i}`));
    await clock.advance(50);
    assert.equal(activity.unclassified.length, 3, 'kept after the failure');
    fail = false;
    state.cutAt = 2; // the host answers two verdicts and next_index 2
    await clock.advance(1000);
    assert.equal((await counts.get(6)).total, 3);
    assert.equal(classified.length, 2, 'the rest sent again from next_index');
    assert.equal(classified[1].requests.length, 1);
  });

  it('attributes a block by an installed custom-filter rule locally (Firefox, host away or unaware)', async () => {
    const { activity, counts, classified, state } = setup({ flavor: 'firefox', connected: false });
    activity.setCustomRules([{ id: 1, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||custom.example^' } }]);
    await activity.onRequest(page(8, 'https://news.example/'));
    await activity.onError(blocked(8, 'https://custom.example/x.gif', 'NS_ERROR_ABORT'));
    const t = await counts.get(8);
    assert.deepEqual(t.categories.custom, { count: 1, hosts: { 'custom.example': 1 } });
    assert.equal(classified.length, 0);
    assert.ok(!state.connected);
  });

  it('uses the tab page as the source when the browser gives none (a Firefox beacon)', async () => {
    const { activity, classified, clock } = setup({ flavor: 'firefox' });
    await activity.onRequest(page(9, 'https://news.example/a'));
    await activity.onError({ tabId: 9, url: 'https://px.tracker.example/b', type: 'beacon', error: 'NS_ERROR_ABORT', requestId: 'b1' });
    await clock.advance(50);
    assert.equal(classified[0].requests[0].source, 'https://news.example/a');
  });

  it('sends the category switches with classify', async () => {
    const { activity, classified, clock, setChoices } = setup({ flavor: 'firefox' });
    setChoices(applyChoice(defaultChoices(), { scope: 'global', key: 'block:social', value: false }));
    await activity.onRequest(page(5, 'https://news.example/'));
    await activity.onError(blocked(5, 'https://px.tracker.example/p.gif', 'NS_ERROR_ABORT'));
    await clock.advance(50);
    assert.equal(classified[0].categories.social, false);
  });

  it('evidence: signals and blocked per site per day, drained once', async () => {
    const { activity, setChoices } = setup({ debugAvailable: true });
    await activity.onRequest(page(1, 'https://www.news.example/'));
    await activity.onRequest({ tabId: 1, type: 'image', url: 'https://cdn.example/x.png', requestId: 'i1' });
    await activity.onRequest({ tabId: -1, type: 'xmlhttprequest', url: 'https://bg.example/', requestId: 'bg' });
    activity.onRuleMatched({ request: { requestId: 'r1' }, rule: { rulesetId: 'tracking', ruleId: 1 } });
    await activity.onError(blocked(1, 'https://px.tracker.example/p.gif', BLOCKED_ERRORS.chromium, 'r1'));
    // A GPC-exempt site: DNT still counted, GPC not.
    setChoices(applyChoice(defaultChoices(), { scope: 'site', site: 'shop.example', key: 'gpc', value: false }));
    await activity.onRequest(page(2, 'https://shop.example/'));
    const ev = activity.drain();
    assert.deepEqual(ev, [
      { type: 'signals', site: 'news.example', day: '2026-11-29', gpc: 2, dnt: 2 },
      { type: 'signals', site: 'shop.example', day: '2026-11-29', gpc: 0, dnt: 1 },
      { type: 'blocked', site: 'news.example', day: '2026-11-29', category: 'tracking', count: 1, hosts: { 'px.tracker.example': 1 } },
    ]);
    assert.deepEqual(activity.drain(), []);
  });

  it('navigation and signals come from separate events: onNavigate resets only on main_frame, onSent counts', async () => {
    const { activity, counts } = setup({ debugAvailable: true });
    await activity.onNavigate(page(3, 'https://news.example/'));
    await counts.blocked(3, { url: 'https://t.example/p.gif', type: 'image', category: 'tracking' });
    await activity.onNavigate({ tabId: 3, type: 'image', url: 'https://cdn.example/x.png' });
    assert.equal((await counts.get(3)).total, 1, 'a subresource does not start the tab afresh');
    assert.deepEqual(activity.drain(), [], 'navigating is not sending');
    await activity.onSent({ tabId: 3, type: 'image', url: 'https://cdn.example/x.png', requestId: 'x' });
    assert.deepEqual(activity.drain(), [{ type: 'signals', site: 'news.example', day: '2026-11-29', gpc: 1, dnt: 1 }]);
  });

  it('does not count signals for extension pages', async () => {
    const { activity } = setup();
    await activity.onRequest(page(9, 'chrome-extension://abc/popup/popup.html'));
    await settle();
    assert.deepEqual(activity.drain(), []);
  });
});
