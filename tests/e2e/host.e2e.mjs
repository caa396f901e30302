// The native host as the extension lives with it: killed mid-session the extension
// reconnects (an open popup follows it) and nothing is lost from the ledger (a choice made
// while the host was away is replayed into it); with no host installed the popup shows the
// degraded mode and the fix, and the protections that need no host keep working.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBrowser, useSession, token, screenshot } from './harness/suite.mjs';
import { clickSwitch } from './harness/extension.mjs';
import { waitUntil } from './harness/browsers.mjs';
import { SITE, OTHER_SITE } from './harness/hosts.mjs';

const recordKey = (r) => JSON.stringify(r);
// A choice record carries the new value as `new` (docs/ledger.md).
const valueOf = (r) => r.new ?? r.value;

forEachBrowser((name) => {
  describe('with the host', () => {
    const ctx = useSession(name);

    test('killing the host mid-session: the extension reconnects and nothing is lost from the ledger', async () => {
      const { server, browser, ext, home } = ctx;
      const page = await browser.newPage();
      await page.goto(server.url(SITE, `/?tok=${token()}`));
      const tabId = await ext.tabId(server.origin(SITE));

      // A choice while connected: recorded at once.
      let popup = await ext.openPopup(tabId);
      assert.equal(await clickSwitch(popup, 'sw-global-block-learned'), false);
      await popup.close();
      const before = await waitUntil(
        () => {
          const recs = home.ledgerList();
          return recs.some((r) => r.type === 'choice' && r.key === 'block:learned' && valueOf(r) === false) ? recs : null;
        },
        { what: 'the first choice in the ledger' },
      );

      // The host crashes and cannot come back for a while.
      const firstPids = home.livePids();
      assert.ok(firstPids.length >= 1, 'a host is running');
      home.hold(true);
      home.killHosts();
      await waitUntil(async () => (await ext.status()).host?.state !== 'connected', { what: 'the extension to notice the host is gone' });

      // A choice made while the host is away: applied locally, queued for the host.
      popup = await ext.openPopup(tabId);
      assert.equal(await clickSwitch(popup, 'sw-global-block-learned'), true);
      await screenshot(popup, `popup-${name}-host-away`);

      // Browsing while the host is away: the evidence (signals sent) waits in the extension.
      const away = await browser.newPage();
      await away.goto(server.url(OTHER_SITE, `/?tok=${token()}`));
      await away.close();

      // The popup's retry button (a real click) while the host still cannot start: the popup
      // stays in the degraded mode with the fix, not stuck on "connecting".
      const hostState = () => popup.evaluate(() => document.body.dataset.hostState);
      assert.equal(await hostState(), 'degraded');
      await popup.click('#host-retry');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await hostState(), 'degraded');
      assert.equal(await popup.$eval('#host-fix', (e) => e.hidden), false);

      // The host can start again: the extension reconnects on its own (backoff), and the popup,
      // left open, shows it without being reopened.
      home.hold(false);
      await waitUntil(async () => (await hostState()) === 'connected', {
        timeout: 70000,
        interval: 200,
        what: 'the open popup to show the host connected again',
      });
      await popup.close();
      const st = await ext.waitReady({ timeout: 70000 });
      assert.equal(st.host.state, 'connected');
      assert.ok(home.livePids().some((p) => !firstPids.includes(p)), 'a new host process serves the extension');

      const after = await waitUntil(
        () => {
          const recs = home.ledgerList();
          return recs.filter((r) => r.type === 'choice' && r.key === 'block:learned').length >= 2 ? recs : null;
        },
        { timeout: 15000, what: 'the queued choice replayed into the ledger' },
      );
      const afterKeys = new Set(after.map(recordKey));
      for (const r of before) assert.ok(afterKeys.has(recordKey(r)), `record kept: ${recordKey(r)}`);
      const learned = after.filter((r) => r.type === 'choice' && r.key === 'block:learned').map(valueOf);
      assert.deepEqual(learned.slice(-2), [false, true]);
      await waitUntil(
        () => home.ledgerList(['--site', OTHER_SITE]).some((r) => r.type === 'signals' && r.site === OTHER_SITE && r.gpc > 0),
        { timeout: 20000, what: `the signals sent to ${OTHER_SITE} while the host was away, in the ledger` },
      );
      const verify = home.cli(['ledger', 'verify', '--json'], { allowFail: true });
      assert.equal(verify.status, 0, `ledger verify: ${verify.stdout}${verify.stderr}`);
      await page.close();
    });
  });

  describe('without the host', () => {
    const ctx = useSession(name, { host: false });

    test('no host installed: the popup shows the degraded mode and the fix; GPC/DNT still sent', async () => {
      const { server, browser, ext } = ctx;
      assert.equal(ctx.ready.host.state, 'degraded');
      assert.equal(ctx.ready.host.reason, 'missing');
      const tok = token();
      const page = await browser.newPage();
      await page.goto(server.url(SITE, `/?tok=${tok}`));
      const main = server.requests((r) => r.path === `/?tok=${tok}`)[0];
      assert.equal(main.gpc, '1');
      assert.equal(main.dnt, '1');
      assert.equal(await page.evaluate(() => navigator.globalPrivacyControl), true);

      const popup = await ext.openPopup(await ext.tabId(server.origin(SITE)));
      assert.equal(await popup.evaluate(() => document.body.dataset.hostState), 'degraded');
      assert.equal(await popup.$eval('#host-degraded', (e) => e.hidden), false);
      assert.equal(await popup.$eval('#host-fix', (e) => e.hidden), false);
      assert.match(await popup.$eval('#host-fix', (e) => e.textContent), /install/);
      assert.ok((await popup.$eval('#host-text', (e) => e.textContent)).length > 0);
      await screenshot(popup, `popup-${name}-no-host`);
      await popup.close();
      await page.close();
    });
  });
});
