import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import { decide, PrivacySettings, SETTINGS } from '../../extension/background/privacy-settings.js';
import { FakeClock, FakeSetting, FakeStorage, fakePrivacy, settle } from './fakes.mjs';

const def = SETTINGS.find((s) => s.key === 'browser:topics');

describe('decide (levelOfControl logic)', () => {
  const cases = [
    // allowed, value, level, cause → op, action
    [false, true, 'controllable_by_this_extension', 'choice', 'set', 'applied'],
    [false, false, 'controlled_by_this_extension', 'choice', 'none', null],
    [false, true, 'controlled_by_other_extensions', 'choice', 'none', 'not_controllable'],
    [false, true, 'not_controllable', 'choice', 'none', 'not_controllable'],
    [false, true, 'controlled_by_other_extensions', 'change', 'none', 'overridden'],
    [false, true, 'controllable_by_this_extension', 'change', 'set', 'reapplied'],
    [true, false, 'controlled_by_this_extension', 'choice', 'clear', 'applied'],
    [true, true, 'controllable_by_this_extension', 'choice', 'none', null],
  ];
  for (const [allowed, value, level, cause, op, action] of cases) {
    it(`allowed=${allowed} value=${value} ${level} (${cause}) → ${op}/${action}`, () => {
      const d = decide({ allowed, current: { value, levelOfControl: level }, flavor: 'chromium', def, cause });
      assert.deepEqual(d, { op, action });
    });
  }
});

function setup(flavor = 'chromium', settings) {
  const clock = new FakeClock();
  const events = [];
  const p = new PrivacySettings({
    privacy: fakePrivacy(settings),
    flavor,
    now: clock.now,
    storage: new FakeStorage(),
    report: async (e) => events.push(e),
  });
  return { p, events };
}

describe('PrivacySettings', () => {
  it('turns Chromium ad features off when it may, and reports each', async () => {
    const settings = {
      'websites.topicsEnabled': new FakeSetting(true),
      'websites.fledgeEnabled': new FakeSetting(true),
      'websites.adMeasurementEnabled': new FakeSetting(true, 'controlled_by_other_extensions'),
      'websites.hyperlinkAuditingEnabled': new FakeSetting(true),
      'websites.thirdPartyCookiesAllowed': new FakeSetting(true),
    };
    const { p, events } = setup('chromium', settings);
    await p.apply(defaultChoices());
    assert.deepEqual(settings['websites.topicsEnabled'].sets, [false]);
    assert.deepEqual(settings['websites.fledgeEnabled'].sets, [false]);
    assert.deepEqual(settings['websites.adMeasurementEnabled'].sets, [], 'not ours to change');
    assert.deepEqual(settings['websites.thirdPartyCookiesAllowed'].sets, [], 'third-party cookies allowed by default');
    const byKey = Object.fromEntries(events.map((e) => [e.key, e]));
    assert.equal(byKey['browser:topics'].action, 'applied');
    assert.equal(byKey['browser:topics'].value, false);
    assert.equal(byKey['browser:topics'].type, 'browser_setting');
    assert.equal(byKey['browser:topics'].day, '2026-11-29');
    assert.equal(byKey['browser:ad_measurement'].action, 'not_controllable');
    // Applying again (a woken worker) reports nothing new.
    const n = events.length;
    await p.apply(defaultChoices());
    assert.equal(events.length, n);
  });

  it('allowing a feature again clears our setting instead of setting true', async () => {
    const topics = new FakeSetting(true);
    const { p } = setup('chromium', { 'websites.topicsEnabled': topics });
    await p.apply(defaultChoices());
    assert.equal((await topics.get()).value, false);
    await p.apply(applyChoice(defaultChoices(), { scope: 'global', key: 'browser:topics', value: true }));
    assert.equal(topics.clears, 1);
    assert.deepEqual(topics.sets, [false], 'never set to true');
  });

  it('watches: reports an override, and re-applies when control comes back', async () => {
    const topics = new FakeSetting(true);
    const { p, events } = setup('chromium', { 'websites.topicsEnabled': topics });
    await p.apply(defaultChoices());
    events.length = 0;
    topics.takeOver(true);
    await settle();
    assert.deepEqual(events.map((e) => e.action), ['overridden']);
    topics.changeTo(true);
    await settle();
    assert.deepEqual(events.map((e) => e.action), ['overridden', 'overridden', 'reapplied']);
    assert.equal((await topics.get()).value, false);
  });

  it('maps third-party cookies to Firefox cookieConfig and skips what Firefox lacks', async () => {
    const cookies = new FakeSetting({ behavior: 'reject_trackers_and_partition_foreign' });
    const ping = new FakeSetting(true);
    const { p, events } = setup('firefox', { 'websites.cookieConfig': cookies, 'websites.hyperlinkAuditingEnabled': ping });
    await p.apply(applyChoice(defaultChoices(), { scope: 'global', key: 'browser:third_party_cookies', value: false }));
    assert.deepEqual(cookies.sets, [{ behavior: 'reject_third_party' }]);
    assert.deepEqual(ping.sets, [false]);
    assert.deepEqual(events.map((e) => e.key).sort(), ['browser:hyperlink_auditing', 'browser:third_party_cookies']);
    const described = await p.describe(defaultChoices());
    assert.equal(described.find((d) => d.key === 'browser:topics').supported, false);
    assert.equal(described.find((d) => d.key === 'browser:third_party_cookies').browserAllowed, false);
  });
});
