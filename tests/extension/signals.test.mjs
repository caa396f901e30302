import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChoice, defaultChoices } from '../../extension/lib/choices.js';
import { buildContentScripts, SCRIPT_IDS, SignalScripts, sitePatterns } from '../../extension/background/signals.js';
import { FakeScripting } from './fakes.mjs';

const choose = (...ch) => ch.reduce((c, x) => applyChoice(c, x), defaultChoices());

describe('GPC/DNT page scripts', () => {
  it('registers one MAIN-world script per signal at document_start in all frames', () => {
    const scripts = buildContentScripts(defaultChoices());
    assert.deepEqual(scripts.map((s) => s.id), [SCRIPT_IDS.gpc, SCRIPT_IDS.dnt]);
    for (const s of scripts) {
      assert.equal(s.world, 'MAIN');
      assert.equal(s.runAt, 'document_start');
      assert.equal(s.allFrames, true);
      assert.equal(s.matchOriginAsFallback, true);
      assert.deepEqual(s.matches, ['<all_urls>']);
      assert.equal(s.excludeMatches, undefined);
    }
    assert.deepEqual(scripts[0].js, ['content/gpc-main-world.js']);
  });

  it('leaves exempt sites out, per signal', () => {
    const c = choose({ scope: 'site', site: 'news.example', key: 'gpc', value: false });
    const [gpc, dnt] = buildContentScripts(c);
    assert.deepEqual(gpc.excludeMatches, sitePatterns('news.example'));
    assert.deepEqual(sitePatterns('news.example'), ['*://news.example/*', '*://*.news.example/*']);
    assert.equal(dnt.excludeMatches, undefined);
  });

  it('drops the script of a signal switched off', () => {
    const scripts = buildContentScripts(choose({ scope: 'global', key: 'dnt', value: false }));
    assert.deepEqual(scripts.map((s) => s.id), [SCRIPT_IDS.gpc]);
  });

  it('applies changes: registers, re-registers changed exclusions, unregisters switched-off', async () => {
    const scripting = new FakeScripting();
    const s = new SignalScripts({ scripting });
    await s.apply(defaultChoices());
    assert.deepEqual([...scripting.scripts.keys()].sort(), [SCRIPT_IDS.dnt, SCRIPT_IDS.gpc]);
    const calls = scripting.calls.length;
    await s.apply(defaultChoices());
    assert.equal(scripting.calls.length, calls, 'nothing to do when unchanged');
    await s.apply(choose({ scope: 'site', site: 'a.example', key: 'dnt', value: false }));
    assert.deepEqual(scripting.scripts.get(SCRIPT_IDS.dnt).excludeMatches, sitePatterns('a.example'));
    assert.equal(scripting.scripts.get(SCRIPT_IDS.gpc).excludeMatches, undefined);
    await s.apply(choose({ scope: 'global', key: 'gpc', value: false }));
    assert.deepEqual([...scripting.scripts.keys()], [SCRIPT_IDS.dnt]);
    assert.equal(scripting.scripts.get(SCRIPT_IDS.dnt).excludeMatches, undefined, 'exemption removed again');
  });

  it('registers without matchOriginAsFallback in a browser that rejects it', async () => {
    const scripting = new FakeScripting({ rejectMatchOriginAsFallback: true });
    const s = new SignalScripts({ scripting });
    await s.apply(defaultChoices());
    assert.equal(scripting.scripts.size, 2);
    assert.ok(![...scripting.scripts.values()].some((x) => 'matchOriginAsFallback' in x));
  });
});
