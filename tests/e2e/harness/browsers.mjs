// Browser launchers for the end-to-end suites: Debian's Chromium (CDP) and Firefox ESR
// (WebDriver BiDi), both through puppeteer-core, headless, with the unpacked extension and
// the native host manifest of a HostHome. Recipe: /work/shared/BROWSER-TESTING.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { IDS, EXTENSION_DIR } from './nativehost.mjs';
import { allHosts } from './hosts.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium';
export const FIREFOX_BIN = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
// Firefox gives each add-on a random internal UUID; this pref fixes it so tests can open
// moz-extension://<uuid>/popup/... directly.
export const FIREFOX_UUID = '5f0e2c1a-7b7e-4c44-9d3e-0b1e2d3c4f5a';

/** The browsers to run: OPTGUARD_E2E_BROWSERS=chromium,firefox (default both). */
export function browsersToRun() {
  const v = process.env.OPTGUARD_E2E_BROWSERS ?? 'chromium,firefox';
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function browserAvailable(name) {
  return fs.existsSync(name === 'chromium' ? CHROMIUM_BIN : FIREFOX_BIN);
}

/**
 * @param {'chromium'|'firefox'} name
 * @param {object} opts
 * @param {import('./nativehost.mjs').HostHome|null} [opts.host] native host to install (null: none)
 * @param {string|null} [opts.extensionDir] unpacked extension (null: launch without one)
 * @param {string[]} [opts.hosts] names the browser resolves to 127.0.0.1 (Firefox needs the list)
 */
export async function launchBrowser(name, opts = {}) {
  const sourceDir = opts.extensionDir === undefined ? EXTENSION_DIR : opts.extensionDir;
  const hosts = opts.hosts ?? allHosts();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `optguard-e2e-${name}-`));
  // The browser loads a private copy: Chromium writes _metadata/ into an unpacked extension,
  // and another process regenerating extension/rulesets must not change it mid-test.
  let extensionDir = null;
  if (sourceDir) {
    extensionDir = path.join(tmp, 'extension');
    fs.cpSync(sourceDir, extensionDir, { recursive: true, filter: (src) => path.basename(src) !== '_metadata' });
  }
  let browser;
  let base = null;
  if (name === 'chromium') {
    const userDataDir = path.join(tmp, 'profile');
    fs.mkdirSync(userDataDir);
    opts.host?.installForChromium(userDataDir);
    const args = [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-component-update',
      '--no-first-run',
      '--disable-background-networking',
      '--host-resolver-rules=MAP * 127.0.0.1',
      '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
    ];
    if (extensionDir) args.push(`--load-extension=${extensionDir}`, `--disable-extensions-except=${extensionDir}`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_BIN,
      headless: true,
      userDataDir,
      enableExtensions: Boolean(extensionDir),
      args,
      defaultViewport: { width: 1000, height: 800 },
    });
    if (extensionDir) base = `chrome-extension://${IDS.chromium_id}/`;
  } else if (name === 'firefox') {
    const profile = path.join(tmp, 'profile');
    const home = path.join(tmp, 'home');
    fs.mkdirSync(profile);
    fs.mkdirSync(home);
    opts.host?.installForFirefox(home);
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_BIN,
      headless: true,
      userDataDir: profile,
      // MOZ_REMOTE_ALLOW_SYSTEM_ACCESS lets WebDriver BiDi navigate a tab to moz-extension://
      // pages (the popup and options page); without it Firefox refuses the navigation.
      env: { ...process.env, HOME: home, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
      defaultViewport: { width: 1000, height: 800 },
      extraPrefsFirefox: {
        'network.dns.localDomains': hosts.join(','),
        'privacy.reduceTimerPrecision': false,
        'extensions.webextensions.uuids': JSON.stringify({ [IDS.firefox_id]: FIREFOX_UUID }),
        // Only the extension may send the signals or block anything: the browser's own
        // GPC/DNT and Enhanced Tracking Protection stay off so they cannot mask a failure.
        'privacy.globalprivacycontrol.enabled': false,
        'privacy.donottrackheader.enabled': false,
        'privacy.trackingprotection.enabled': false,
        'privacy.trackingprotection.pbmode.enabled': false,
        'privacy.trackingprotection.socialtracking.enabled': false,
        'privacy.trackingprotection.cryptomining.enabled': false,
        'privacy.trackingprotection.fingerprinting.enabled': false,
        'privacy.trackingprotection.emailtracking.enabled': false,
        'browser.contentblocking.category': 'custom',
        'network.cookie.cookieBehavior': 0,
        'dom.security.https_first': false,
        'dom.security.https_first_schemeless': false,
        'network.proxy.type': 0,
        'browser.shell.checkDefaultBrowser': false,
        // Pings are off by default in Firefox; on, so <a ping> is enforced by the extension.
        'browser.send_pings': true,
        'browser.send_pings.max_per_link': 20,
      },
    });
    if (extensionDir) {
      await browser.installExtension(extensionDir);
      base = `moz-extension://${FIREFOX_UUID}/`;
    }
  } else {
    throw new Error(`unknown browser ${name}`);
  }
  const session = new BrowserSession(name, browser, base, tmp);
  session.extensionDir = extensionDir; // the private copy the browser loaded
  return session;
}

/** Polls fn until it returns a truthy value; returns it. Throws after timeout ms. */
export async function waitUntil(fn, { timeout = 10000, interval = 25, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class BrowserSession {
  constructor(name, browser, base, tmp) {
    this.name = name;
    this.browser = browser;
    this.base = base; // extension origin + "/", or null
    this.tmp = tmp;
  }

  async newPage() {
    return this.browser.newPage();
  }

  /** Opens an extension page (path relative to the extension root) in a new tab. */
  async extensionPage(rel, { until = 'load' } = {}) {
    if (!this.base) throw new Error('no extension loaded');
    const page = await this.browser.newPage();
    const url = this.base + rel.replace(/^\//, '');
    if (this.name === 'chromium') {
      await page.goto(url, { waitUntil: until });
      return page;
    }
    // Firefox: the tab switches to the extension process and puppeteer loses track of the
    // navigation (goto never resolves, page.url() stays about:blank) although evaluate, clicks
    // and screenshots work. So: start the navigation, then poll the document itself.
    page.goto(url, { waitUntil: 'load', timeout: 30000 }).catch(() => {});
    await waitUntil(
      async () => {
        const s = await page.evaluate(() => `${location.href}|${document.readyState}`).catch(() => '');
        return s === `${url}|complete`;
      },
      { timeout: 15000, what: `extension page ${url}` },
    );
    return page;
  }

  /**
   * Chromium only: the extension's service worker, as a puppeteer WebWorker
   * (evaluate runs in the background context).
   */
  async serviceWorker(timeout = 10000) {
    if (this.name !== 'chromium' || !this.base) return null;
    const t = await this.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(this.base), {
      timeout,
    });
    return t.worker();
  }

  async close() {
    try {
      await this.browser.close();
    } catch {
      // already gone
    }
    if (!process.env.OPTGUARD_E2E_KEEP) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
