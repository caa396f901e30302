// Background entry point: a module service worker in Chromium, a module event page in Firefox
// (manifest: background.service_worker + background.scripts, "type": "module").
// Listeners are registered synchronously at the top level so an event that wakes the worker
// reaches them; state is restored from storage on each wake (controller.start).
import { createBrowserApi } from '../lib/browser-api.js';
import { Controller, EVIDENCE_ALARM } from './controller.js';
import { ALARM as LISTS_ALARM } from './lists.js';
import { createDispatcher } from './messages.js';
import { loadTestHooks, reportStatus, runTestHooks } from './test-hooks.js';

const api = createBrowserApi();
const ctl = new Controller(api);
const dispatch = createDispatcher(ctl);
loadTestHooks(api).then((hooks) => reportStatus(api, hooks, ctl.state));
const started = ctl.start().catch((e) => ctl.state.setStatus({ startError: String(e?.message ?? e) }));
// Only on install/update (and browser start), so a woken worker does not open pages again.
const openHooks = () => started.then(() => runTestHooks(api)).catch(() => {});
api.runtime.onInstalled.addListener(openHooks);
const whenStarted = (fn) => (...args) => {
  started.then(() => fn(...args)).catch(() => {});
};

// Replies as {ok, result} / {ok: false, error}; returning true keeps the channel open (Chromium).
api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  started
    .then(() => dispatch(message, sender))
    .then(
      (result) => sendResponse({ ok: true, result }),
      (e) => sendResponse({ ok: false, error: { code: e?.code ?? 'error', message: String(e?.message ?? e) } }),
    );
  return true;
});

// Few events per request: Firefox delivers each one to the extension process (measured: the
// listeners cost ~170 ms of CPU per load of a page with 200 blocked pixels when onBeforeRequest
// saw every request). Navigation needs main_frame only; signals are counted when headers are
// sent (blocked requests never are); blocked requests are counted from their error.
const filter = { urls: ['<all_urls>'] };
api.webRequest.onBeforeRequest.addListener(whenStarted((d) => ctl.activity.onNavigate(d)), { urls: ['<all_urls>'], types: ['main_frame'] });
api.webRequest.onSendHeaders.addListener(whenStarted((d) => {
  ctl.activity.onSent(d);
  ctl.scheduleEvidence();
}), filter);
// Firefox: the list and custom rules are enforced here (web-request-blocker.js), before the
// request leaves; the answer is synchronous once the index is built.
if (ctl.blocker) {
  try {
    api.webRequest.onBeforeRequest.addListener(ctl.blocker.listener(api.timers), { urls: ['<all_urls>'] }, ['blocking']);
  } catch (e) {
    // No blocking webRequest here after all: the static rulesets enforce the lists.
    ctl.blocker = null;
    ctl.rules.blocker = null;
    ctl.state.setStatus({ blockerError: String(e?.message ?? e) }).catch(() => {});
  }
}
api.webRequest.onErrorOccurred.addListener(whenStarted((d) => ctl.activity.onError(d)), filter);
api.webRequest.onCompleted.addListener(
  whenStarted((d) => {
    if (d.type === 'main_frame' && d.statusCode < 400) ctl.gpc.check(d.url).then(() => ctl.scheduleEvidence());
  }),
  { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] },
);
// Learned trackers: completed pixel-like third-party requests, observed after the fact (not
// blocking); Firefox names beacons and srcset images with types of its own.
api.webRequest.onCompleted.addListener(
  whenStarted((d) => ctl.pixels.observe(d)),
  { urls: ['http://*/*', 'https://*/*'], types: api.flavor === 'firefox' ? ['image', 'imageset', 'ping', 'beacon', 'xmlhttprequest'] : ['image', 'ping', 'xmlhttprequest'] },
  ['responseHeaders'],
);
api.dnr.onRuleMatchedDebug?.addListener((info) => ctl.activity.onRuleMatched(info));
api.tabs.onRemoved.addListener(whenStarted((tabId) => ctl.counts.remove(tabId)));

api.alarms.onAlarm.addListener(
  whenStarted((alarm) => {
    if (alarm.name === EVIDENCE_ALARM) {
      ctl.host.ensure();
      ctl.flushEvidence();
    } else if (alarm.name === LISTS_ALARM) {
      ctl.lists.updateNow();
    }
  }),
);
// Created once: re-creating it on every wake would restart its period and it might never fire.
api.alarms.get(EVIDENCE_ALARM).then((a) => a || api.alarms.create(EVIDENCE_ALARM, { periodInMinutes: 1 }));
api.action.setBadgeBackgroundColor({ color: '#3c6e47' });

// For debugging from the worker's console.
globalThis.optguard = ctl;
