import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import { makeT } from '../../extension/lib/i18n.js';
import { blockedModel, declarationText, hostModel, popupModel } from '../../extension/popup/view-model.js';
import { filterResultLines, ledgerRow, parseSettingsFile, privacySwitches, verifyText } from '../../extension/options/view-model.js';

// The real English strings, with Chrome's $1-style placeholder substitution.
const messages = JSON.parse(readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url)));
function getMessage(key, subs = []) {
  const m = messages[key];
  if (!m) return '';
  return m.message.replace(/\$([A-Z_]+)\$/g, (_, name) => {
    const ph = m.placeholders?.[name.toLowerCase()]?.content ?? '';
    return ph.replace(/\$(\d)/g, (__, i) => subs[Number(i) - 1] ?? '');
  });
}
const t = makeT(getMessage);

function state(over = {}) {
  return {
    url: 'https://www.news.example/a',
    host: 'www.news.example',
    site: 'news.example',
    choices: defaultChoices(),
    site_choices: { protection: true, gpc: true, dnt: true },
    counts: null,
    declaration: null,
    status: { host: { state: 'connected', hello: { host: '0.1.0' } } },
    ...over,
  };
}

describe('popup view model', () => {
  it('per-site category switches: on/off per site, disabled with the reason when this browser cannot enforce it', () => {
    const c = applyChoice(defaultChoices(), { scope: 'site', site: 'news.example', key: 'block:social', value: false });
    const sc = { protection: true, gpc: true, dnt: true, 'block:advertising': true, 'block:tracking': true, 'block:social': false, 'block:custom': true };
    const switchable = {
      custom: { possible: true },
      social: { possible: true },
      advertising: { possible: true, rules: 3613, room: 4900 },
      tracking: { possible: false, reason: 'too_many_rules', rules: 8399, room: 4900 },
    };
    const m = popupModel(state({ choices: c, site_choices: sc, site_switchable: switchable }), t);
    const cats = m.site.switches.slice(3);
    assert.deepEqual(cats.map((s) => [s.key, s.checked, !!s.disabled, s.site]), [
      ['block:advertising', true, false, 'www.news.example'],
      ['block:tracking', true, true, 'www.news.example'],
      ['block:social', false, false, 'www.news.example'],
      ['block:custom', true, false, 'www.news.example'],
      ['block:learned', true, false, 'www.news.example'],
    ]);
    assert.equal(cats[0].label, 'Block Advertising on this site');
    assert.match(cats[1].label, /not possible in this browser/);
    // Learned trackers have browser rules (ids from 90000): switchable per site like custom filters.
    const learnedSwitch = m.site.switches.find((s) => s.key === 'block:learned');
    assert.ok(learnedSwitch, 'a per-site switch for learned trackers');
    assert.equal(learnedSwitch.disabled, false);
    // Off everywhere, or the site trusted: nothing to switch per site.
    const off = applyChoice(defaultChoices(), { scope: 'global', key: 'block:social', value: false });
    const m2 = popupModel(state({ choices: off, site_choices: { ...sc, 'block:social': true }, site_switchable: switchable }), t);
    assert.deepEqual(m2.site.switches.find((s) => s.key === 'block:social').disabled, true);
    const m3 = popupModel(state({ site_choices: { ...sc, protection: false }, site_switchable: switchable }), t);
    assert.ok(m3.site.switches.slice(3).every((s) => s.disabled));
    // A switch that is already off on the site can always be turned back on.
    const c4 = applyChoice(defaultChoices(), { scope: 'site', site: 'news.example', key: 'block:tracking', value: false });
    const m4 = popupModel(state({ choices: c4, site_choices: { ...sc, 'block:tracking': false }, site_switchable: switchable }), t);
    assert.equal(m4.site.switches.find((s) => s.key === 'block:tracking').disabled, false);
  });

  it('connected host', () => {
    const m = hostModel({ host: { state: 'connected', hello: { host: '0.1.0' } } }, t);
    assert.equal(m.degraded, false);
    assert.equal(m.text, 'Connected to the optguard host 0.1.0');
  });

  it('degraded host: says what is wrong and the command that fixes it', () => {
    const m = hostModel({ host: { state: 'degraded', reason: 'missing', fix: 'scripts/install.sh   (or: optguard install)', message: 'not found' } }, t);
    assert.equal(m.degraded, true);
    assert.match(m.text, /not installed/);
    assert.equal(m.fix, 'To fix, run: scripts/install.sh   (or: optguard install)');
    const broken = hostModel({ host: { state: 'degraded', reason: 'exited', fix: 'optguard doctor' } }, t);
    assert.match(broken.text, /stopped/);
    assert.match(broken.fix, /optguard doctor/);
  });

  it('a retry after failures still shows what is wrong and the fix; a first connect does not', () => {
    const retry = hostModel({ host: { state: 'connecting', failures: 2, reason: 'missing', fix: 'optguard install', message: 'not found' } }, t);
    assert.equal(retry.state, 'degraded');
    assert.equal(retry.degraded, true);
    assert.match(retry.text, /not installed/);
    assert.match(retry.fix, /optguard install/);
    const first = hostModel({ host: { state: 'connecting', failures: 0, reason: null } }, t);
    assert.equal(first.state, 'connecting');
    assert.equal(first.degraded, false);
  });

  it('site section: switches for this site, signal status, declaration', () => {
    const c = applyChoice(defaultChoices(), { scope: 'site', site: 'news.example', key: 'gpc', value: false });
    const m = popupModel(state({ choices: c, site_choices: { protection: true, gpc: false, dnt: true }, declaration: { status: 'found', day: '2026-11-29', declaration: { gpc: true } } }), t);
    assert.equal(m.site.name, 'news.example');
    assert.deepEqual(m.site.switches.slice(0, 3).map((s) => [s.key, s.checked, s.scope, s.site]), [
      ['protection', true, 'site', 'www.news.example'],
      ['gpc', false, 'site', 'www.news.example'],
      ['dnt', true, 'site', 'www.news.example'],
    ]);
    assert.equal(m.site.gpcText, 'GPC: not sent (exempt on this site)');
    assert.equal(m.site.dntText, 'DNT: sent');
    assert.equal(m.site.declaration, 'The site declares gpc: true (checked 2026-11-29)');
  });

  it('signal off everywhere disables the per-site switch', () => {
    const c = applyChoice(defaultChoices(), { scope: 'global', key: 'dnt', value: false });
    const m = popupModel(state({ choices: c }), t);
    assert.equal(m.site.dntText, 'DNT: off everywhere');
    assert.equal(m.site.switches.find((s) => s.key === 'dnt').disabled, true);
  });

  it('says how many blocked requests wait for the host', () => {
    assert.equal(popupModel(state({ waiting: 3 }), t).blocked.waiting, '3 more stopped requests wait for the host to classify them.');
    assert.equal(popupModel(state(), t).blocked.waiting, '');
  });

  it('no site section for non-web pages', () => {
    assert.equal(popupModel(state({ url: 'chrome://newtab/', host: 'newtab' }), t).site, null);
  });

  it('blocked counts by category (fixed order) with hosts by count, log latest first', () => {
    const counts = {
      total: 4,
      categories: {
        tracking: { count: 3, hosts: { 'b.example': 1, 'a.example': 2 } },
        advertising: { count: 1, hosts: { 'ads.example': 1 } },
      },
      log: [{ url: 'u1', category: 'tracking' }, { url: 'u2', category: 'advertising' }],
    };
    const b = blockedModel(counts, t);
    assert.equal(b.text, 'Requests blocked: 4');
    assert.deepEqual(b.categories.map((c) => c.id), ['advertising', 'tracking']);
    assert.deepEqual(b.categories[1].hosts, [{ host: 'a.example', count: 2 }, { host: 'b.example', count: 1 }]);
    assert.equal(b.categories[1].name, 'Tracking and analytics');
    assert.deepEqual(b.log.map((e) => e.url), ['u2', 'u1']);
    assert.equal(blockedModel(null, t).text, 'Nothing blocked on this page.');
  });

  it('global switches: GPC, DNT, protection and each category', () => {
    const m = popupModel(state(), t);
    assert.deepEqual(m.globals.map((s) => s.key), ['gpc', 'dnt', 'protection', 'block:advertising', 'block:tracking', 'block:social', 'block:custom', 'block:learned']);
    assert.ok(m.globals.every((s) => s.checked && s.scope === 'global'));
  });

  it('declaration texts', () => {
    assert.equal(declarationText(null, t), 'Not checked yet.');
    assert.match(declarationText({ status: 'absent', day: 'D' }, t), /no \/\.well-known\/gpc\.json \(checked D\)/);
    assert.match(declarationText({ status: 'error', day: 'D' }, t), /Could not read/);
  });
});

describe('options view model', () => {
  it('shows filter errors per line', () => {
    const lines = filterResultLines({ added: 2, errors: [{ line: 3, text: '||bad^$foo', message: 'unknown option foo' }] }, t);
    assert.deepEqual(lines, ['2 filters added.', 'Line 3: unknown option foo (||bad^$foo)']);
  });
  it('ledger rows and verify text', () => {
    const row = ledgerRow({ seq: 4, time: 1795941876, type: 'choice', site: 'a.example', key: 'gpc', value: false });
    assert.deepEqual(row.slice(0, 4), ['4', new Date(1795941876000).toISOString(), 'choice', 'a.example']);
    assert.equal(row[4], 'key=gpc value=false');
    assert.equal(verifyText({ ok: true, records: 12 }, t), 'Ledger verified: 12 records intact.');
    assert.match(verifyText({ ok: false, first_bad_seq: 7, message: 'hash mismatch' }, t), /record 7: hash mismatch/);
  });
  it('privacy switches, unsupported settings named', () => {
    const s = privacySwitches([
      { key: 'browser:topics', supported: false, allowed: false },
      { key: 'browser:hyperlink_auditing', supported: true, allowed: false, browserAllowed: false, levelOfControl: 'controlled_by_this_extension' },
    ], t);
    assert.equal(s[0].label, 'Topics API: not offered by this browser');
    assert.equal(s[1].checked, false);
    assert.match(s[1].state, /off \(controlled_by_this_extension\)/);
  });
  it('settings files', () => {
    assert.throws(() => parseSettingsFile('{'), /not JSON/);
    assert.throws(() => parseSettingsFile('{"a":1}'), /not an optguard settings file/);
    assert.equal(parseSettingsFile('{"format":"optguard-settings","choices":{}}').format, 'optguard-settings');
  });
});
