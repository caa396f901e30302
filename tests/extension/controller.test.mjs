import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '../../extension/background/controller.js';
import { createDispatcher } from '../../extension/background/messages.js';
import { RULE_IDS } from '../../extension/background/rules.js';
import { FakeSetting, fakeApi, settle } from './fakes.mjs';

/** A scripted host: answers the contract's messages from an in-memory state. */
function scriptedHost(api, { rules = [] } = {}) {
  const host = { choices: null, records: [], setChoices: [], rules };
  api.native.onPost = (port, m) => {
    queueMicrotask(() => {
      if (port.closed) return;
      switch (m.type) {
        case 'get_state':
          return port.reply(m.id, { choices: host.choices ?? { global: {}, sites: {} } });
        case 'set_choice': {
          host.setChoices.push(m);
          host.choices ??= { global: {}, sites: {} };
          if (m.scope === 'global') host.choices.global[m.key] = m.value;
          else (host.choices.sites[m.site] ??= {})[m.key] = m.value;
          return port.reply(m.id, { seq: host.setChoices.length, state: { choices: host.choices } });
        }
        case 'get_rules':
          return port.reply(m.id, { rules: host.rules, next_cursor: null, version: `v${host.rules.length}` });
        case 'record':
          host.records.push(...m.events);
          return port.reply(m.id, { recorded: m.events.length });
        case 'filters_add':
          host.rules = [...host.rules, { id: host.rules.length + 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: [m.text] } }];
          return port.reply(m.id, { added: 1, errors: [] });
        case 'hello':
          return undefined; // answered by FakeNative
        default:
          return port.fail(m.id, 'unknown_type', m.type);
      }
    });
  };
  return host;
}

const fromPopup = { id: 'ext', url: 'chrome-extension://ext/popup/popup.html' };

describe('Controller (background flows with fakes)', () => {
  it('installs rules at start and reports them in the status (the e2e readiness hook)', async () => {
    const api = fakeApi();
    scriptedHost(api);
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    const status = api.storage.local.data.status;
    assert.equal(status.rulesInstalled, true);
    assert.equal(status.host.state, 'connected');
    assert.equal(status.hostSynced, true);
    assert.deepEqual(status.rulesets, ['advertising', 'tracking', 'social']);
    assert.ok(api.dnr.dynamic.some((r) => r.id === RULE_IDS.gpcSet));
    assert.equal(api.scripting.scripts.size, 2);
  });

  it('Firefox with webRequestBlocking: lists in the webRequest blocker, rulesets disabled, custom rules there too', async () => {
    const api = fakeApi({ flavor: 'firefox' });
    api.manifest.permissions = ['webRequest', 'webRequestBlocking'];
    api.manifest.declarative_net_request.rule_resources = ['advertising', 'tracking', 'social'].map((id) => ({ id, path: `rulesets/${id}.json` }));
    const rulesets = {
      advertising: [{ id: 1, priority: 1, action: { type: 'block' }, condition: { urlFilter: '||ads.example^' } }],
      tracking: [],
      social: [],
    };
    api.fetch = async (url) => ({ json: async () => rulesets[url.match(/rulesets\/(\w+)\.json/)[1]] });
    scriptedHost(api, { rules: [{ id: 1, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['custom.example'] } }] });
    const ctl = new Controller(api);
    assert.ok(ctl.blocker, 'a blocker for Firefox when the manifest asks for webRequestBlocking');
    await ctl.start();
    await settle();
    const status = api.storage.local.data.status;
    assert.equal(status.listEngine, 'webRequest');
    assert.deepEqual(status.rulesets, ['advertising', 'tracking', 'social']);
    assert.deepEqual([...api.dnr.enabled], []);
    assert.equal(status.hostRules, 1);
    assert.ok(api.dnr.dynamic.every((r) => r.id >= 100000), 'no list or custom rule in DNR');
    const d = (url, requestId) => ({ requestId, tabId: 1, url, type: 'image', method: 'GET', originUrl: 'https://news.example/', documentUrl: 'https://news.example/' });
    assert.deepEqual(ctl.blocker.handle(d('https://ads.example/a', 'r1')), { cancel: true });
    assert.deepEqual(ctl.blocker.handle(d('https://x.custom.example/a', 'r2')), { cancel: true });
    assert.deepEqual(ctl.blocker.handle(d('https://fine.example/a', 'r3')), {});
    assert.equal(ctl.activity.blockedCategory.get('r1'), 'advertising');
    assert.equal(ctl.activity.blockedCategory.get('r2'), 'custom');
    // Chromium never gets one (its MV3 extensions may not block in webRequest).
    const chromium = fakeApi();
    chromium.manifest.permissions = ['webRequest', 'webRequestBlocking'];
    assert.equal(new Controller(chromium).blocker, null);
  });

  it('without a host: choices apply locally at once, are queued, and replay in order when it comes', async () => {
    const api = fakeApi();
    api.native.failNext = 'Specified native messaging host not found.';
    const ctl = new Controller(api, { backoff: { initialMs: 1000, maxMs: 1000 } });
    await ctl.start();
    await settle();
    assert.equal(api.storage.local.data.status.host.reason, 'missing');
    const dispatch = createDispatcher(ctl);
    const r = await dispatch({ type: 'set_choice', choice: { scope: 'site', site: 'www.news.example', key: 'gpc', value: false } }, fromPopup);
    assert.equal(r.synced, false);
    // Enforced now, without the host: exemption rules and script exclusions.
    assert.deepEqual(api.dnr.dynamic.find((x) => x.id === RULE_IDS.gpcExemptInitiator).condition.initiatorDomains, ['news.example']);
    assert.ok(api.scripting.scripts.get('optguard-gpc').excludeMatches.includes('*://news.example/*'));
    await dispatch({ type: 'set_choice', choice: { scope: 'global', key: 'dnt', value: false } }, fromPopup);
    assert.equal(api.storage.local.data.pendingChoices.length, 2);
    // The host appears; the next retry connects and replays both, in order, with source popup.
    const host = scriptedHost(api);
    api.native.failNext = null;
    await api.clock.advance(1000);
    await settle();
    assert.deepEqual(host.setChoices.map((c) => [c.scope, c.site, c.key, c.value, c.source]), [
      ['site', 'www.news.example', 'gpc', false, 'popup'],
      ['global', undefined, 'dnt', false, 'popup'],
    ]);
    assert.deepEqual(api.storage.local.data.pendingChoices, []);
    assert.equal(ctl.state.choices.global.dnt, false);
  });

  it('keeps enforcing the host rules saved earlier when the host is gone (degraded mode)', async () => {
    const api = fakeApi();
    scriptedHost(api, { rules: [{ id: 3, priority: 1, action: { type: 'block' }, condition: { requestDomains: ['custom.example'] } }] });
    const first = new Controller(api);
    await first.start();
    await settle();
    assert.ok(api.dnr.dynamic.some((r) => r.id === 3));
    // Browser restarts without the host; the dynamic rules were wiped for the test's sake.
    api.dnr.dynamic = [];
    await api.storage.local.remove('appliedSig');
    api.native.failNext = 'Native host has exited.';
    api.native.onPost = null;
    const second = new Controller(api);
    await second.start();
    await settle();
    assert.ok(api.dnr.dynamic.some((r) => r.id === 3), 'custom filter rule restored from storage');
    assert.equal(api.storage.local.data.status.host.reason, 'exited');
    assert.equal(api.storage.local.data.status.hostSynced, false);
  });

  it('a custom filter added from the options page is installed without a restart', async () => {
    const api = fakeApi();
    scriptedHost(api);
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    const dispatch = createDispatcher(ctl);
    const r = await dispatch({ type: 'host', request: { type: 'filters_add', text: 'added.example' } }, { id: 'ext', url: 'chrome-extension://ext/options/options.html' });
    assert.equal(r.added, 1);
    assert.ok(api.dnr.dynamic.some((x) => x.condition.requestDomains?.[0] === 'added.example'));
  });

  it('flushes evidence to the host and keeps it while the host is away', async () => {
    const api = fakeApi({ settings: { 'websites.topicsEnabled': new FakeSetting(true) } });
    const host = scriptedHost(api);
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    assert.ok(host.records.some((e) => e.type === 'browser_setting' && e.key === 'browser:topics' && e.action === 'applied'));
    api.native.last.die('Native host has exited.');
    api.native.failNext = 'Native host has exited.';
    await ctl.activity.onRequest({ tabId: 1, type: 'main_frame', url: 'https://news.example/' });
    const r = await ctl.flushEvidence();
    assert.equal(r.left, 1);
    assert.equal(api.storage.local.data.evidencePending.counters['signals|news.example|2026-11-29|'].gpc, 1);
  });

  it('refuses messages from content scripts and other extensions', async () => {
    const api = fakeApi();
    scriptedHost(api);
    const ctl = new Controller(api);
    const dispatch = createDispatcher(ctl);
    await assert.rejects(dispatch({ type: 'status' }, { id: 'other' }), /sender not allowed/);
    await assert.rejects(dispatch({ type: 'status' }, { id: 'ext', url: 'https://evil.example/', tab: { id: 1 } }), /sender not allowed/);
    await assert.rejects(dispatch({ type: 'host', request: { type: 'set_choice' } }, fromPopup), /not allowed/);
  });
});

describe('list updates', () => {
  it('fetches both lists from easylist.to, hands them to the host, reloads rules, remembers the outcome', async () => {
    const api = fakeApi();
    const { fakeFetch } = await import('./fakes.mjs');
    api.fetch = fakeFetch({
      'https://easylist.to/easylist/easylist.txt': { status: 200, body: '||ads.example^' },
      'https://easylist.to/easylist/easyprivacy.txt': { status: 503, body: '' },
    });
    const host = scriptedHost(api);
    const updates = [];
    const prev = api.native.onPost;
    api.native.onPost = (port, m) => {
      if (m.type === 'lists_update') {
        updates.push(m);
        queueMicrotask(() => port.reply(m.id, { list: m.list, loaded: 1, skipped: 0, updated_at: 't' }));
        return;
      }
      prev(port, m);
    };
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    const before = api.native.last.sent.filter((m) => m.type === 'get_rules').length;
    const r = await ctl.lists.updateNow();
    assert.deepEqual(updates.map((u) => [u.list, u.text]), [['easylist', '||ads.example^']]);
    assert.equal(r.easylist.ok, true);
    assert.equal(r.easyprivacy.ok, false);
    assert.match(r.easyprivacy.error, /HTTP 503/);
    assert.equal(api.native.last.sent.filter((m) => m.type === 'get_rules').length, before + 1, 'rules reloaded');
    assert.equal((await ctl.lists.info()).last.easylist.loaded, 1);
    assert.ok(host);
  });

  it('schedules with an alarm the user controls', async () => {
    const api = fakeApi();
    const ctl = new Controller(api);
    await ctl.lists.setSchedule({ enabled: true, everyHours: 12 });
    assert.equal(api.alarms.map.get('optguard-lists').periodInMinutes, 720);
    await ctl.lists.setSchedule({ enabled: false, everyHours: 12 });
    assert.equal(api.alarms.map.has('optguard-lists'), false);
  });
});

describe('host state vs queued choices', () => {
  it('a choice the host has not acknowledged survives adopting the host state', async () => {
    const api = fakeApi();
    const host = scriptedHost(api);
    host.choices = { global: { gpc: true }, sites: {} };
    // The ledger refuses writes for now (e.g. key missing): set_choice fails, get_state works.
    const prev = api.native.onPost;
    api.native.onPost = (port, m) => {
      if (m.type === 'set_choice') return queueMicrotask(() => port.fail(m.id, 'key_missing', 'no key'));
      return prev(port, m);
    };
    api.native.failNext = 'Native host has exited.';
    const ctl = new Controller(api, { backoff: { initialMs: 1000, maxMs: 1000 } });
    await ctl.start();
    await settle();
    await ctl.setChoice({ scope: 'global', key: 'gpc', value: false });
    api.native.failNext = null;
    await api.clock.advance(1000);
    await settle();
    assert.equal(api.storage.local.data.status.hostSynced, true);
    assert.equal(ctl.state.choices.global.gpc, false, 'still off locally');
    assert.ok(!api.dnr.dynamic.some((r) => r.id === RULE_IDS.gpcSet));
    assert.equal(api.storage.local.data.pendingChoices.length, 1, 'kept for the next connect');
  });
});

describe('settings export/import and popup state', () => {
  it('exports choices and filters; importing replays each difference as set_choice from options', async () => {
    const api = fakeApi();
    const host = scriptedHost(api);
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    const fromOptions = { id: 'ext', url: 'chrome-extension://ext/options/options.html' };
    const dispatch = createDispatcher(ctl);
    const exported = await dispatch({ type: 'export_settings' }, fromOptions);
    assert.equal(exported.format, 'optguard-settings');
    assert.equal(exported.choices.global.gpc, true);
    const data = structuredClone(exported);
    data.choices.global.dnt = false;
    data.choices.sites['shop.example'] = { protection: false };
    data.customFilters = null;
    const r = await dispatch({ type: 'import_settings', data }, fromOptions);
    assert.equal(r.changed, 2);
    assert.deepEqual(host.setChoices.map((c) => [c.key, c.value, c.source]), [['dnt', false, 'options'], ['protection', false, 'options']]);
    assert.ok(api.dnr.dynamic.some((x) => x.id === RULE_IDS.trust));
    await assert.rejects(dispatch({ type: 'import_settings', data: { format: 'other' } }, fromOptions), /not an optguard settings file/);
  });

  it('popup_state: the tab counts, the site choices and the declaration', async () => {
    const api = fakeApi();
    scriptedHost(api);
    const ctl = new Controller(api);
    await ctl.start();
    await settle();
    await ctl.activity.onRequest({ tabId: 7, type: 'main_frame', url: 'https://www.news.example/a' });
    await ctl.counts.blocked(7, { url: 'https://t.example/p.gif', type: 'image', category: 'tracking' });
    await ctl.setChoice({ scope: 'site', site: 'www.news.example', key: 'dnt', value: false });
    const ps = await ctl.popupState(7, 'https://www.news.example/a');
    assert.equal(ps.site, 'news.example');
    assert.deepEqual(ps.site_choices, {
      protection: true, gpc: true, dnt: false,
      'block:advertising': true, 'block:tracking': true, 'block:social': true, 'block:custom': true, 'block:learned': true,
    });
    assert.equal(ps.counts.total, 1);
    assert.equal(ps.declaration, null);
    assert.equal(api.action.badges.get(7), '1');
  });
});
