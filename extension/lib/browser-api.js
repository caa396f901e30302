// The only place that touches the WebExtension namespace. Every other module receives the
// small pieces it needs from here, so unit tests hand in fakes with the same shape.
//
// Chromium exposes `chrome` (promise-returning in MV3); Firefox exposes `browser` (and a
// `chrome` alias). Both expose the enums used below (e.g. declarativeNetRequest.ResourceType).

/** Returns the extension namespace of the running browser, or null outside a browser. */
export function extensionNamespace() {
  return globalThis.browser ?? globalThis.chrome ?? null;
}

/** "firefox" or "chromium": Firefox extension pages live under moz-extension://. */
export function detectFlavor(ns = extensionNamespace()) {
  const url = ns?.runtime?.getURL?.('') ?? '';
  return url.startsWith('moz-extension:') ? 'firefox' : 'chromium';
}

/** A storage area (local or session) as {get(keys), set(obj), remove(keys)}. */
function storageArea(area) {
  if (!area) return null;
  return {
    get: (keys) => area.get(keys),
    set: (items) => area.set(items),
    remove: (keys) => area.remove(keys),
  };
}

/**
 * Wraps runtime.connectNative so callers see one shape in both browsers:
 * {post(msg), onMessage(fn), onDisconnect(fn(errorMessage|null)), disconnect()}.
 */
function nativeConnector(ns) {
  return (name) => {
    const port = ns.runtime.connectNative(name);
    return {
      post: (msg) => port.postMessage(msg),
      onMessage: (fn) => port.onMessage.addListener(fn),
      onDisconnect: (fn) =>
        port.onDisconnect.addListener((p) => {
          // Chromium reports the reason in runtime.lastError, Firefox in port.error.
          const err = ns.runtime.lastError?.message ?? p?.error?.message ?? port.error?.message ?? null;
          fn(err);
        }),
      disconnect: () => port.disconnect(),
    };
  };
}

/** The facade handed to the background modules. */
export function createBrowserApi(ns = extensionNamespace()) {
  const flavor = detectFlavor(ns);
  const dnr = ns.declarativeNetRequest;
  return {
    flavor,
    ns,
    storage: { local: storageArea(ns.storage.local), session: storageArea(ns.storage.session) },
    connectNative: nativeConnector(ns),
    dnr: {
      resourceTypeEnum: dnr.ResourceType ?? null,
      maxDynamicRules: dnr.MAX_NUMBER_OF_DYNAMIC_RULES ?? dnr.MAX_NUMBER_OF_DYNAMIC_AND_SESSION_RULES ?? null,
      updateDynamicRules: (opts) => dnr.updateDynamicRules(opts),
      getDynamicRules: () => dnr.getDynamicRules(),
      updateEnabledRulesets: (opts) => dnr.updateEnabledRulesets(opts),
      getEnabledRulesets: () => dnr.getEnabledRulesets(),
      onRuleMatchedDebug: dnr.onRuleMatchedDebug ?? null,
    },
    scripting: {
      getRegisteredContentScripts: (filter) => ns.scripting.getRegisteredContentScripts(filter),
      registerContentScripts: (scripts) => ns.scripting.registerContentScripts(scripts),
      updateContentScripts: (scripts) => ns.scripting.updateContentScripts(scripts),
      unregisterContentScripts: (filter) => ns.scripting.unregisterContentScripts(filter),
    },
    privacy: {
      /** The BrowserSetting at "websites.topicsEnabled" etc., or null when this browser lacks it. */
      setting(path) {
        let node = ns.privacy;
        for (const part of path.split('.')) node = node?.[part];
        return node && typeof node.get === 'function' ? node : null;
      },
    },
    action: {
      setBadgeText: (o) => ns.action.setBadgeText(o),
      setBadgeBackgroundColor: (o) => ns.action.setBadgeBackgroundColor(o),
    },
    alarms: {
      create: (name, info) => ns.alarms.create(name, info),
      clear: (name) => ns.alarms.clear(name),
      get: (name) => ns.alarms.get(name),
      onAlarm: ns.alarms.onAlarm,
    },
    tabs: { get: (id) => ns.tabs.get(id), query: (q) => ns.tabs.query(q), onRemoved: ns.tabs.onRemoved },
    webRequest: ns.webRequest,
    runtime: ns.runtime,
    manifest: ns.runtime.getManifest(),
    fetch: (...args) => globalThis.fetch(...args),
    now: () => Date.now(),
    timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) },
  };
}
