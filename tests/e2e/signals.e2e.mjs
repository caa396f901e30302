// GPC and DNT: the Sec-GPC / DNT request headers on the main frame, an iframe, fetch and a
// worker's fetch, and navigator.globalPrivacyControl / navigator.doNotTrack in the top frame
// and an iframe; then a site exempted by clicking the popup loses both signals there and only
// there, and those popup choices are in the host's ledger (`optguard ledger list`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBrowser, useSession, token, screenshot } from './harness/suite.mjs';
import { clickSwitch } from './harness/extension.mjs';
import { waitUntil } from './harness/browsers.mjs';
import { SITE, OTHER_SITE } from './harness/hosts.mjs';

/** Loads /signals on a host; returns {js: {top, frame}, requests: {main, frame, fetch, worker}}. */
async function probeSignals(ctx, host) {
  const { server, browser } = ctx;
  const tok = token('sig');
  const page = await browser.newPage();
  await page.goto(server.url(host, `/signals?tok=${tok}`));
  const results = await waitUntil(
    () => page.evaluate(() => (window.__results?.frame && window.__results?.fetch && window.__results?.worker ? { top: window.__signals, ...window.__results } : null)),
    { what: `signals page results on ${host}` },
  );
  await server.waitFor((r) => r.path === `/r/${tok}/k-wfetch`, 10000, 'the worker fetch');
  const find = (suffix) => server.requests((r) => r.host === host && r.path.startsWith(`/r/${tok}/${suffix}`))[0];
  const main = server.requests((r) => r.host === host && r.path === `/signals?tok=${tok}`)[0];
  await page.close();
  return {
    js: { top: results.top, frame: results.frame },
    requests: { main, frame: find('frame'), fetch: find('k-fetch'), workerScript: find('worker.js'), worker: find('k-wfetch') },
  };
}

function assertSignals(p, on, where) {
  for (const [kind, r] of Object.entries(p.requests)) {
    assert.ok(r, `${where}: the ${kind} request reached the server`);
    assert.equal(r.gpc, on ? '1' : null, `${where}: Sec-GPC on the ${kind} request`);
    assert.equal(r.dnt, on ? '1' : null, `${where}: DNT on the ${kind} request`);
  }
  for (const [frame, js] of Object.entries(p.js)) {
    if (on) {
      assert.equal(js.gpc, true, `${where}: navigator.globalPrivacyControl in the ${frame} frame`);
      assert.equal(js.dnt, '1', `${where}: navigator.doNotTrack in the ${frame} frame`);
    } else {
      assert.notEqual(js.gpc, true, `${where}: navigator.globalPrivacyControl in the ${frame} frame`);
      assert.notEqual(js.dnt, '1', `${where}: navigator.doNotTrack in the ${frame} frame`);
    }
  }
}

forEachBrowser((name) => {
  const ctx = useSession(name);

  test('Sec-GPC and DNT on main frame, iframe, fetch and worker; navigator values in top frame and iframe', async () => {
    assertSignals(await probeSignals(ctx, SITE), true, SITE);
    assertSignals(await probeSignals(ctx, OTHER_SITE), true, OTHER_SITE);
  });

  test('exempting a site in the popup turns GPC and DNT off there and only there', async () => {
    const { server, browser, ext, home } = ctx;
    const page = await browser.newPage();
    await page.goto(server.url(SITE, '/'));
    const tabId = await ext.tabId(server.origin(SITE));
    const popup = await ext.openPopup(tabId);
    assert.equal(await popup.$eval('#site-name', (e) => e.textContent), SITE);
    await screenshot(popup, `popup-${name}-before-exempt`);
    assert.equal(await clickSwitch(popup, 'sw-site-gpc'), false);
    assert.equal(await clickSwitch(popup, 'sw-site-dnt'), false);
    await screenshot(popup, `popup-${name}-exempt`);
    await popup.close();
    await page.close();

    assertSignals(await probeSignals(ctx, SITE), false, `${SITE} (exempt)`);
    assertSignals(await probeSignals(ctx, OTHER_SITE), true, `${OTHER_SITE} (not exempt)`);

    // Back on: the signals return on the site.
    const page2 = await browser.newPage();
    await page2.goto(server.url(SITE, '/'));
    const tab2 = await ext.tabId(server.origin(SITE));
    const popup2 = await ext.openPopup(tab2);
    assert.equal(await clickSwitch(popup2, 'sw-site-gpc'), true);
    assert.equal(await clickSwitch(popup2, 'sw-site-dnt'), true);
    await popup2.close();
    await page2.close();
    assertSignals(await probeSignals(ctx, SITE), true, `${SITE} (exemption lifted)`);
  });

  test('each choice made in the popup appears in `optguard ledger list` for the same home', async () => {
    const { ext, home } = ctx;
    const st = await ext.waitReady();
    assert.equal(st.host.state, 'connected');
    // The previous test clicked, for site.test: gpc off, dnt off, gpc on, dnt on.
    const choices = await waitUntil(
      () => {
        const mine = home.ledgerList(['--site', SITE]).filter((r) => r.type === 'choice');
        return mine.length >= 4 ? mine : null;
      },
      { timeout: 10000, what: 'the popup choices in `optguard ledger list`' },
    );
    // A choice record carries the new value as `new` (and the previous one as `old`).
    const seq = choices.map((r) => `${r.key}=${r.new ?? r.value}`);
    assert.deepEqual(seq.slice(-4), ['gpc=false', 'dnt=false', 'gpc=true', 'dnt=true'], JSON.stringify(choices));
    for (const r of choices.slice(-4)) {
      assert.equal(r.source, 'popup');
      assert.equal(r.site, SITE);
    }
  });
});
