// The static rulesets `optguard compile-dnr` generates load in the browser with no rule
// rejected, and hold the real tracker hosts the other suites rely on. (Firefox enforces them
// through the extension's webRequest blocker, but its DNR must still accept every rule: it is
// the fallback where blocking webRequest is unavailable.)
//
// How "no rule rejected" is measured: both browsers count only the rules they accepted in
// getAvailableStaticRuleCount() (Chromium indexes valid rules only; Firefox subtracts its
// validated rules and drops a whole ruleset over quota), so enabling one ruleset at a time and
// reading the drop gives the number of rules the browser took from it, compared with the
// number in the JSON file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBrowser, useSession, needsRules } from './harness/suite.mjs';
import { readRuleset, RULESET_IDS, ensureRulesets } from './harness/nativehost.mjs';
import { TRACKERS } from './harness/hosts.mjs';

/**
 * Does a block rule in the ruleset block every request to host (or a parent of it)?
 * With hostOnly false, a rule for some paths on the host counts too.
 */
function blocksHost(rules, host, { hostOnly = false } = {}) {
  const parents = host.split('.').map((_, i, a) => a.slice(i).join('.'));
  return rules.some((r) => {
    if (r.action?.type !== 'block') return false;
    const c = r.condition ?? {};
    if ((c.requestDomains ?? []).some((d) => parents.includes(d)) && (!c.urlFilter || c.urlFilter === '^')) return true;
    return parents.some((p) => c.urlFilter === `||${p}^` || (!hostOnly && c.urlFilter?.startsWith(`||${p}`)));
  });
}

test('the generated rulesets hold the tracker hosts of the end-to-end suites', (t) => {
  const state = ensureRulesets();
  if (!state.ok) return t.skip(state.reason);
  for (const [cat, host] of Object.entries(TRACKERS)) {
    assert.ok(blocksHost(readRuleset(cat), host, { hostOnly: true }), `${host} is blocked by the ${cat} ruleset`);
    for (const other of RULESET_IDS.filter((id) => id !== cat)) {
      assert.ok(!blocksHost(readRuleset(other), host, { hostOnly: true }), `${host} is not blocked as a whole by the ${other} ruleset (categories stay separable)`);
    }
  }
});

forEachBrowser((name) => {
  const ctx = useSession(name);

  test('every static ruleset is enabled and no rule was rejected', async (t) => {
    if (needsRules(ctx)) return t.skip(needsRules(ctx));
    const { ext } = ctx;
    const enabled = await ext.enabledRulesets();
    const status = await ext.status();
    if (name === 'firefox') {
      // Firefox enforces the same rules with its webRequest blocker (an index; Firefox's DNR
      // has none): the static rulesets stay disabled, all three categories are enforced.
      assert.equal(status.listEngine, 'webRequest');
      assert.deepEqual([...enabled], []);
      assert.deepEqual([...status.rulesets].sort(), [...RULESET_IDS].sort());
      t.diagnostic(`firefox: rulesets loaded and indexed in ${status.listIndexMs} ms (fetch + parse ${status.listLoadMs} ms)`);
    } else {
      assert.equal(status.listEngine, 'declarativeNetRequest');
      assert.deepEqual([...enabled].sort(), [...RULESET_IDS].sort());
    }
    const available = () => ext.eval(() => (globalThis.browser ?? globalThis.chrome).declarativeNetRequest.getAvailableStaticRuleCount());
    const update = (o) => ext.eval((o) => (globalThis.browser ?? globalThis.chrome).declarativeNetRequest.updateEnabledRulesets(o), o);
    const accepted = {};
    try {
      await update({ disableRulesetIds: RULESET_IDS });
      const none = await available();
      for (const id of RULESET_IDS) {
        await update({ enableRulesetIds: [id] });
        accepted[id] = none - (await available());
        await update({ disableRulesetIds: [id] });
      }
    } finally {
      if (enabled.length) await update({ enableRulesetIds: enabled });
    }
    // The files of the copy this browser loaded (extension/rulesets may be rewritten meanwhile).
    const dir = ctx.browser.extensionDir;
    const inFiles = Object.fromEntries(RULESET_IDS.map((id) => [id, readRuleset(id, dir).length]));
    let why = '';
    if (JSON.stringify(accepted) !== JSON.stringify(inFiles)) {
      // Name the culprits when they are regex rules the browser does not support.
      const regexes = RULESET_IDS.flatMap((id) =>
        readRuleset(id, dir)
          .filter((r) => r.condition?.regexFilter)
          .map((r) => ({ ruleset: id, id: r.id, regex: r.condition.regexFilter, isUrlFilterCaseSensitive: r.condition.isUrlFilterCaseSensitive })),
      );
      const bad = await ext.eval(async (regexes) => {
        const dnr = (globalThis.browser ?? globalThis.chrome).declarativeNetRequest;
        if (!dnr.isRegexSupported) return null;
        const out = [];
        for (const r of regexes) {
          const v = await dnr.isRegexSupported({ regex: r.regex, isCaseSensitive: r.isUrlFilterCaseSensitive ?? false });
          if (!v.isSupported) out.push({ ...r, reason: v.reason });
        }
        return out;
      }, regexes);
      why = `; regex rules this browser does not support: ${JSON.stringify(bad)}`;
    }
    assert.deepEqual(accepted, inFiles, `rules accepted by ${name} vs rules in the JSON files${why}`);
    for (const id of RULESET_IDS) assert.ok(inFiles[id] > 0, `${id} ruleset is not empty`);
    t.diagnostic(`${name} accepted ${JSON.stringify(accepted)}`);
  });

  test('the extension judges sites by the public suffix list compile-dnr put beside the rulesets', async (t) => {
    if (needsRules(ctx)) return t.skip(needsRules(ctx));
    const status = await ctx.ext.status();
    assert.ok(!status.publicSuffixList?.error, `list loaded: ${JSON.stringify(status.publicSuffixList)}`);
    assert.ok(status.publicSuffixList?.rules > 9000, `${status.publicSuffixList?.rules} rules`);
  });
});
