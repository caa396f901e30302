// Shared set-up for the *.e2e.mjs files: each file calls forEachBrowser(name => {...}) and
// gets one describe block per browser (OPTGUARD_E2E_BROWSERS=chromium,firefox), like
// Playwright "projects". Artifacts (screenshots) go to tests/artifacts/ (git-ignored).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, before, after } from 'node:test';
import { browsersToRun, browserAvailable } from './browsers.mjs';
import { REPO } from './hosts.mjs';

export const ARTIFACTS = path.join(REPO, 'tests', 'artifacts');

export function forEachBrowser(fn) {
  for (const name of browsersToRun()) {
    const skip = browserAvailable(name) ? false : `${name} is not installed`;
    describe(name, { skip, concurrency: false }, () => fn(name));
  }
}

/** A short unique token to put in every URL a test loads. */
export function token(prefix = 't') {
  return `${prefix}${crypto.randomBytes(4).toString('hex')}`;
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Per-browser fixture for a describe block: a local server, a fresh host home (unless
 * host: false), the browser with the extension, and the control page, ready.
 * Returns an object whose fields are filled in before() and torn down in after().
 */
export function useSession(name, { host = true, bench = false } = {}) {
  const ctx = { name, server: null, home: null, browser: null, ext: null, rules: null, ready: null };
  before(async () => {
    const { ensureRulesets, HostHome } = await import('./nativehost.mjs');
    const { launchBrowser } = await import('./browsers.mjs');
    const { ExtensionControl } = await import('./extension.mjs');
    const { startServer } = await import('./server.mjs');
    const { allHosts } = await import('./hosts.mjs');
    ctx.rules = ensureRulesets();
    ctx.server = await startServer();
    ctx.home = new HostHome();
    ctx.browser = await launchBrowser(name, { host: host ? ctx.home : null, hosts: allHosts({ bench }) });
    ctx.ext = await ExtensionControl.open(ctx.browser);
    ctx.ready = await ctx.ext.waitReady({ host });
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
    ctx.home?.cleanup();
  });
  return ctx;
}

/** Skip reason for tests that need the compiled static rulesets, or false. */
export function needsRules(ctx) {
  return ctx.rules && !ctx.rules.ok ? ctx.rules.reason : false;
}
