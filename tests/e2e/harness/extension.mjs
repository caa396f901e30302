// Driving the real extension from a test: one extension page kept open as a "control page"
// (it may call runtime.sendMessage to the background as the popup and options page do, and
// read DNR / badge / tabs state), plus helpers to open the popup for a given tab and the
// options page. Hooks used (extension/README.md "test hooks"):
//   runtime.sendMessage({type: "status"})      → {rulesInstalled, host: {state, reason, fix}, ...}
//   runtime.sendMessage({type: "popup_state", tabId}) → {counts: {total, categories}, ...}
//   popup/popup.html?tab=<id>                   the popup about that tab; body[data-ready]
import { waitUntil } from './browsers.mjs';

export class ExtensionControl {
  /** @param {import('./browsers.mjs').BrowserSession} session */
  static async open(session) {
    const c = new ExtensionControl(session);
    c.page = await session.extensionPage('popup/popup.html?tab=-1');
    return c;
  }

  constructor(session) {
    this.session = session;
    this.page = null;
  }

  /**
   * Evaluates fn(...args) in the control page (extension pages forbid eval, so fn finds the
   * namespace itself: globalThis.browser ?? globalThis.chrome).
   */
  async eval(fn, ...args) {
    return this.page.evaluate(fn, ...args);
  }

  /** A message to the background, as the popup sends it; throws on {ok: false}. */
  async call(type, payload = {}) {
    const reply = await this.eval((type, payload) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type, ...payload }), type, payload);
    if (!reply?.ok) throw new Error(`${type}: ${reply?.error?.message ?? 'no reply'}`);
    return reply.result;
  }

  status() {
    return this.call('status');
  }

  /**
   * Waits for the extension's ready signal (extension/README.md): rulesInstalled, and
   * (host: true) hostSynced — connected, queued choices replayed, host rules installed;
   * (host: false) the host reported degraded.
   */
  async waitReady({ host = true, timeout = 20000 } = {}) {
    let last = null;
    await waitUntil(
      async () => {
        last = await this.status();
        if (!last?.rulesInstalled) return false;
        if (host === true) return last.host?.state === 'connected' && last.hostSynced === true;
        if (host === false) return last.host?.state === 'degraded';
        return true;
      },
      { timeout, what: `extension ready (host: ${host})`, interval: 50 },
    ).catch((e) => {
      throw new Error(`${e.message}; last status: ${JSON.stringify(last)}`);
    });
    return last;
  }

  /** The id of the tab showing a URL that starts with prefix. */
  async tabId(prefix) {
    return waitUntil(
      () =>
        this.eval(async (prefix) => {
          const tabs = await (globalThis.browser ?? globalThis.chrome).tabs.query({});
          return tabs.find((t) => (t.url ?? '').startsWith(prefix))?.id ?? null;
        }, prefix),
      { what: `a tab at ${prefix}` },
    );
  }

  badge(tabId) {
    return this.eval((tabId) => (globalThis.browser ?? globalThis.chrome).action.getBadgeText({ tabId }), tabId);
  }

  popupState(tabId) {
    return this.call('popup_state', { tabId });
  }

  enabledRulesets() {
    return this.eval(() => (globalThis.browser ?? globalThis.chrome).declarativeNetRequest.getEnabledRulesets());
  }

  dynamicRules() {
    return this.eval(() => (globalThis.browser ?? globalThis.chrome).declarativeNetRequest.getDynamicRules());
  }

  /** Opens the popup page about a tab (as the toolbar button would) and waits for its render. */
  async openPopup(tabId) {
    const page = await this.session.extensionPage(`popup/popup.html?tab=${tabId}`);
    await page.setViewport({ width: 380, height: 640 }).catch(() => {});
    await waitUntil(() => page.evaluate(() => document.body.dataset.ready === 'true'), { what: 'popup rendered' });
    return page;
  }

  async openOptions() {
    const page = await this.session.extensionPage('options/options.html');
    await waitUntil(() => page.evaluate(() => document.body.dataset.ready === 'true'), { what: 'options rendered' });
    return page;
  }
}

/** Clicks a popup switch (a real click) and waits until the popup re-rendered with the new value. */
export async function clickSwitch(popup, id) {
  const before = await popup.$eval(`#${id}`, (e) => e.checked);
  await popup.evaluate(() => {
    delete document.body.dataset.ready;
  });
  await popup.click(`#${id}`);
  await waitUntil(
    () =>
      popup.evaluate(
        (id, before) => document.body.dataset.ready === 'true' && document.getElementById(id)?.checked === !before,
        id,
        before,
      ),
    { what: `switch ${id} flipped` },
  );
  return !before;
}
