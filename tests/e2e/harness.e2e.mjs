// Self-test of the harness, independent of extension/: the local server answers as every host
// through the browser's resolver mapping and records headers; the real native host starts via
// the wrapper with the test's OPTGUARD_HOME; the tracker hosts really are in the lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { forEachBrowser, token } from './harness/suite.mjs';
import { launchBrowser, waitUntil } from './harness/browsers.mjs';
import { HostHome } from './harness/nativehost.mjs';
import { startServer } from './harness/server.mjs';
import { SITE, HARMLESS, TRACKERS, listEvidence, benchTrackerHosts } from './harness/hosts.mjs';

const PROBE = path.join(import.meta.dirname, 'harness', 'probe-extension');

test('tracker hosts come from the real filter lists', () => {
  assert.deepEqual(listEvidence(), []);
  const bench = benchTrackerHosts(50);
  assert.equal(bench.length, 50);
  assert.equal(new Set(bench).size, 50);
});

forEachBrowser((name) => {
  let server;
  let host;
  let b;
  before(async () => {
    server = await startServer();
    host = new HostHome();
    b = await launchBrowser(name, { host, extensionDir: PROBE });
  });
  after(async () => {
    await b?.close();
    await server?.stop();
    host?.cleanup();
  });

  test('the server answers as the site, a tracker and the harmless host, and records headers', async () => {
    const tok = token();
    const page = await b.newPage();
    await page.goto(server.url(SITE, `/requests?tok=${tok}&hosts=${TRACKERS.tracking},${HARMLESS}`));
    await server.waitFor((r) => r.path === `/r/${tok}/k-fetch-first`);
    for (const h of [TRACKERS.tracking, HARMLESS]) {
      await server.waitFor((r) => r.host === h && r.path === `/r/${tok}/k-img.gif`, 10000, `${h} image`);
      await server.waitFor((r) => r.host === h && r.kind === 'websocket', 10000, `${h} websocket`);
    }
    const first = server.withToken(tok).find((r) => r.path.endsWith('k-fetch-first'));
    assert.ok(first.headers['user-agent']);
    await page.close();
  });

  test('the native host starts through the wrapper with the test home', async () => {
    let reply;
    if (name === 'chromium') {
      const sw = await b.serviceWorker();
      reply = await sw.evaluate(() => globalThis.probeRequest('hello'));
    } else {
      const page = await b.extensionPage('page.html');
      reply = await page.evaluate(async () => {
        const bg = await browser.runtime.getBackgroundPage();
        return bg.probeRequest('hello');
      });
      await page.close();
    }
    assert.equal(reply.ok, true);
    assert.equal(reply.result.protocol, 1);
    await waitUntil(() => host.livePids().length > 0, { what: 'a live host pid' });
    assert.match(host.hostLog(), /session started/);
  });
});
