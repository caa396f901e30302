// Learned trackers (DESIGN.md feature 5): a made-up pixel host that is in no list
// (hosts.mjs LEARN_TRACKER) serves a 43-byte GIF carrying `?uid=<id>`, embedded on three
// distinct first-party sites. The extension observes the completed pixel (non-blocking),
// the host learns the domain on its third site, and from then on the pixel on a fourth site
// is blocked: the server never sees it (Chromium: a dynamic DNR rule from get_rules; Firefox:
// the webRequest blocker), counted as `learned`; switching `block:custom` off on that site
// keeps it blocked, switching `block:learned` off there lets it load there only. The options
// page lists the tracker with its sites; Undo (pressed from the keyboard) lets the pixel load
// again, and the ledger holds both changes.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBrowser, useSession, token, screenshot } from './harness/suite.mjs';
import { waitUntil } from './harness/browsers.mjs';
import { LEARN_SITES, LEARN_TRACKER } from './harness/hosts.mjs';

const LEARNED_DOMAIN = 'quietmetrics.test'; // LEARN_TRACKER's registrable domain

/**
 * Opens a first-party page with the pixel; resolves "load" / "error" once the image settled
 * (with `keep`, {result, page} and the page left open for its counts).
 */
async function visit(ctx, site, tok, { keep = false } = {}) {
  const { server, browser } = ctx;
  const src = server.url(LEARN_TRACKER, `/r/${tok}/lt-img.gif?uid=a1b2c3d4e5f6${tok}`);
  const page = await browser.newPage();
  await page.goto(server.url(site, `/image?src=${encodeURIComponent(src)}`));
  const result = await waitUntil(() => page.evaluate(() => window.__img ?? null), { what: `the pixel on ${site} settled` });
  if (keep) return { result, page };
  await page.close();
  return result;
}

/** Sets a per-site choice through the extension (as the popup does); rules are applied when it resolves. */
const siteChoice = (ctx, site, key, value) => ctx.ext.call('set_choice', { choice: { scope: 'site', site, key, value, source: 'popup' } });

const pixelHits = (ctx, tok) => ctx.server.withToken(tok).filter((r) => r.host === LEARN_TRACKER);

forEachBrowser((name) => {
  const ctx = useSession(name);

  test('a pixel seen on three sites is learned, blocked on the fourth, listed, and undone', async () => {
    const { ext } = ctx;
    const t0 = Date.now();
    // Three first-party sites: the pixel loads on each (no list blocks it).
    for (const site of LEARN_SITES.slice(0, 3)) {
      const tok = token('lrn');
      assert.equal(await visit(ctx, site, tok), 'load', `pixel loads on ${site}`);
      assert.equal(pixelHits(ctx, tok).length, 1, `the server saw the pixel from ${site}`);
    }
    // The observations go to the host in a batch (a timer); flush_pixels sends what waits.
    const learned = await waitUntil(
      async () => {
        await ext.call('flush_pixels');
        const r = await ext.call('host', { request: { type: 'learned_list' } });
        return r.trackers.find((t) => t.domain === LEARNED_DOMAIN) ?? null;
      },
      { timeout: 15000, interval: 200, what: 'the host learned the pixel domain' },
    );
    assert.deepEqual(learned.sites, LEARN_SITES.slice(0, 3));
    assert.equal(learned.filter, `||${LEARNED_DOMAIN}^$third-party`);
    // learning.db (and its WAL) name none of the first-party sites: they are encrypted.
    for (const f of ['learning.db', 'learning.db-wal']) {
      const file = path.join(ctx.home.home, f);
      if (!fs.existsSync(file)) continue;
      const bytes = fs.readFileSync(file).toString('latin1');
      for (const site of LEARN_SITES.slice(0, 3)) assert.ok(!bytes.includes(site), `${f} holds ${site} in clear`);
    }
    await waitUntil(async () => (await ext.status()).hostRules >= 1, { what: 'the learned rule installed' });

    // A fourth site: blocked before it leaves the browser, and counted as learned (Firefox's
    // webRequest blocker used to call it custom).
    const blockedTok = token('lrn');
    const fourth = await visit(ctx, LEARN_SITES[3], blockedTok, { keep: true });
    assert.equal(fourth.result, 'error', 'the pixel is blocked on the fourth site');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pixelHits(ctx, blockedTok).length, 0, 'the server never saw the blocked pixel');
    const tabId = await ext.tabId(ctx.server.url(LEARN_SITES[3], '/image'));
    let counts = null;
    await waitUntil(
      async () => {
        counts = (await ext.popupState(tabId)).counts;
        return (counts?.total ?? 0) >= 1 && Object.keys(counts.categories ?? {}).length > 0;
      },
      { timeout: 15000, what: 'the blocked pixel counted' },
    ).catch((e) => {
      throw new Error(`${e.message}; counts: ${JSON.stringify(counts)}`);
    });
    assert.equal(counts.categories.learned?.count, 1, JSON.stringify(counts.categories));
    assert.equal(counts.categories.custom, undefined, JSON.stringify(counts.categories));
    await fourth.page.close();

    // Per site: block:custom off there leaves the learned tracker blocked; block:learned off
    // lets it load there (and only there).
    await siteChoice(ctx, LEARN_SITES[3], 'block:custom', false);
    const customOffTok = token('lrn');
    assert.equal(await visit(ctx, LEARN_SITES[3], customOffTok), 'error', 'block:custom off does not let a learned tracker through');
    assert.equal(pixelHits(ctx, customOffTok).length, 0);
    await siteChoice(ctx, LEARN_SITES[3], 'block:custom', true);
    await siteChoice(ctx, LEARN_SITES[3], 'block:learned', false);
    const learnedOffTok = token('lrn');
    assert.equal(await visit(ctx, LEARN_SITES[3], learnedOffTok), 'load', 'block:learned off on the site lets it load there');
    assert.equal(pixelHits(ctx, learnedOffTok).length, 1);
    const elsewhereTok = token('lrn');
    assert.equal(await visit(ctx, LEARN_SITES[4], elsewhereTok), 'error', 'still blocked on other sites');
    await siteChoice(ctx, LEARN_SITES[3], 'block:learned', true);

    // The options page lists it with the sites it was seen on.
    const options = await ext.openOptions();
    await waitUntil(
      () => options.$$eval('#learned-list li', (els, d) => els.some((e) => e.dataset.domain === d), LEARNED_DOMAIN),
      { what: 'the learned tracker in the options page' },
    );
    const text = await options.$eval(`#learned-list li[data-domain="${LEARNED_DOMAIN}"]`, (e) => e.textContent);
    for (const site of LEARN_SITES.slice(0, 3)) assert.ok(text.includes(site), `options lists ${site}: ${text}`);
    await screenshot(options, `options-learned-${name}`);

    // Undo from the keyboard: focus the button, press Enter.
    await options.focus(`#learned-list li[data-domain="${LEARNED_DOMAIN}"] button.learned-undo`);
    await options.keyboard.press('Enter');
    await waitUntil(
      () => options.$$eval('#learned-list li', (els, d) => !els.some((e) => e.dataset.domain === d), LEARNED_DOMAIN),
      { what: 'the tracker gone from the options page' },
    );
    assert.ok((await options.$eval('#learned-status', (e) => e.textContent)).includes(LEARNED_DOMAIN));
    await options.close();
    await waitUntil(async () => (await ext.status()).hostRules === 0, { what: 'the learned rule removed' });

    // It loads again, and is not learned again.
    const againTok = token('lrn');
    assert.equal(await visit(ctx, LEARN_SITES[4], againTok), 'load', 'the pixel loads after Undo');
    assert.equal(pixelHits(ctx, againTok).length, 1);
    await ext.call('flush_pixels');
    const after = await ext.call('host', { request: { type: 'learned_list' } });
    assert.equal(after.trackers.length, 0);

    // Both changes are in the ledger.
    const records = ctx.home.ledgerList(['--type', 'learned_tracker']);
    assert.deepEqual(records.map((r) => r.action), ['learned', 'removed']);
    assert.ok(records.every((r) => r.domain === LEARNED_DOMAIN));
    console.log(`# ${name}: learned, blocked, listed, undone in ${Date.now() - t0} ms`);
  });
});
