// The static rulesets `optguard compile-dnr` generates load in the browser with no rule
// rejected, and hold the real tracker hosts the other suites rely on.
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

/** Does any block rule in the ruleset name host (or a parent of it) as its request domain? */
function blocksHost(rules, host) {
  const parents = host.split('.').map((_, i, a) => a.slice(i).join('.'));
  return rules.some(
    (r) =>
      r.action?.type === 'block' &&
      ((r.condition?.requestDomains ?? []).some((d) => parents.includes(d)) ||
        parents.some((p) => r.condition?.urlFilter === `||${p}^` || r.condition?.urlFilter?.startsWith(`||${p}^`))),
  );
}

test('the generated rulesets hold the tracker hosts of the end-to-end suites', (t) => {
  const state = ensureRulesets();
  if (!state.ok) return t.skip(state.reason);
  for (const [cat, host] of Object.entries(TRACKERS)) {
    assert.ok(blocksHost(readRuleset(cat), host), `${host} is blocked by the ${cat} ruleset`);
    for (const other of RULESET_IDS.filter((id) => id !== cat)) {
      assert.ok(!blocksHost(readRuleset(other), host), `${host} is not in the ${other} ruleset (categories stay separable)`);
    }
  }
});

forEachBrowser((name) => {
  const ctx = useSession(name);

  test('every static ruleset is enabled and no rule was rejected', async (t) => {
    if (needsRules(ctx)) return t.skip(needsRules(ctx));
    const { ext } = ctx;
    const enabled = await ext.enabledRulesets();
    assert.deepEqual([...enabled].sort(), [...RULESET_IDS].sort());
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
      await update({ enableRulesetIds: enabled });
    }
    const inFiles = Object.fromEntries(RULESET_IDS.map((id) => [id, readRuleset(id).length]));
    assert.deepEqual(accepted, inFiles, `rules accepted by ${name} vs rules in the JSON files`);
    for (const id of RULESET_IDS) assert.ok(inFiles[id] > 0, `${id} ruleset is not empty`);
    t.diagnostic(`${name} accepted ${JSON.stringify(accepted)}`);
  });
});
