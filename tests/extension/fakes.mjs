// Fakes of the pieces of lib/browser-api.js the background modules use. Each records calls so
// tests can assert on what the extension asked the browser to do.

/** A manual clock + timers: nothing runs until the test advances time. */
export class FakeClock {
  constructor(start = Date.UTC(2026, 10, 29, 12, 0, 0)) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.t + ms, fn });
      return id;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  /** Pending timer delays from now, sorted. */
  pending() {
    return [...this.timers.values()].map((x) => x.at - this.t).sort((a, b) => a - b);
  }

  /** Advances time, firing due timers in order (and letting promises settle between). */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at);
      if (!due.length) break;
      const [id, x] = due[0];
      this.timers.delete(id);
      this.t = x.at;
      x.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued promise callbacks run. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** storage.local / storage.session in memory (values deep-copied like the real thing). */
export class FakeStorage {
  constructor(initial = {}) {
    this.data = structuredClone(initial);
    this.writes = 0;
  }
  async get(keys) {
    const list = keys == null ? Object.keys(this.data) : [].concat(keys);
    const out = {};
    for (const k of list) if (k in this.data) out[k] = structuredClone(this.data[k]);
    return out;
  }
  async set(items) {
    this.writes++;
    Object.assign(this.data, structuredClone(items));
  }
  async remove(keys) {
    for (const k of [].concat(keys)) delete this.data[k];
  }
}

/** A native host behind connectNative: the test answers each posted request by hand. */
export class FakeNative {
  constructor() {
    this.ports = [];
    this.failNext = null; // error message: the next connect disconnects at once with it
    this.autoHello = true;
  }

  get connectNative() {
    return (name) => {
      const port = {
        name,
        sent: [],
        msgListeners: [],
        discListeners: [],
        closed: false,
        post: (m) => {
          if (port.closed) throw new Error('port closed');
          port.sent.push(m);
          if (this.autoHello && m.type === 'hello') queueMicrotask(() => port.reply(m.id, { protocol: 1, host: '0.1.0', capabilities: [] }));
          this.onPost?.(port, m);
        },
        onMessage: (fn) => port.msgListeners.push(fn),
        onDisconnect: (fn) => port.discListeners.push(fn),
        disconnect: () => {
          port.closed = true;
        },
        reply: (id, result) => port.msgListeners.forEach((f) => f({ id, ok: true, result })),
        fail: (id, code, message = code) => port.msgListeners.forEach((f) => f({ id, ok: false, error: { code, message } })),
        event: (e) => port.msgListeners.forEach((f) => f(e)),
        die: (err) => {
          port.closed = true;
          port.discListeners.forEach((f) => f(err));
        },
      };
      this.ports.push(port);
      if (this.failNext) {
        const err = this.failNext;
        queueMicrotask(() => port.die(err));
      }
      return port;
    };
  }

  get last() {
    return this.ports[this.ports.length - 1];
  }
}

/** declarativeNetRequest. */
export class FakeDnr {
  constructor({ resourceTypeEnum = null, enabled = ['advertising', 'tracking', 'social'] } = {}) {
    this.resourceTypeEnum = resourceTypeEnum;
    this.dynamic = [];
    this.enabled = new Set(enabled);
    this.calls = [];
    this.rejectIf = null; // (addRules) => error message | null
    this.onRuleMatchedDebug = null;
  }
  async getDynamicRules() {
    return structuredClone(this.dynamic);
  }
  async updateDynamicRules({ removeRuleIds = [], addRules = [] }) {
    this.calls.push({ removeRuleIds, addRules });
    const err = this.rejectIf?.(addRules);
    if (err) throw new Error(err);
    const rm = new Set(removeRuleIds);
    const next = this.dynamic.filter((r) => !rm.has(r.id));
    for (const r of addRules) {
      if (next.some((x) => x.id === r.id)) throw new Error(`duplicate id ${r.id}`);
      next.push(structuredClone(r));
    }
    this.dynamic = next;
  }
  async getEnabledRulesets() {
    return [...this.enabled];
  }
  async updateEnabledRulesets({ enableRulesetIds = [], disableRulesetIds = [] }) {
    this.calls.push({ enableRulesetIds, disableRulesetIds });
    for (const id of disableRulesetIds) this.enabled.delete(id);
    for (const id of enableRulesetIds) this.enabled.add(id);
  }
}

/** scripting.*ContentScripts. */
export class FakeScripting {
  constructor({ rejectMatchOriginAsFallback = false } = {}) {
    this.scripts = new Map();
    this.rejectMatchOriginAsFallback = rejectMatchOriginAsFallback;
    this.calls = [];
  }
  async getRegisteredContentScripts({ ids } = {}) {
    return [...this.scripts.values()].filter((s) => !ids || ids.includes(s.id)).map((s) => structuredClone(s));
  }
  async registerContentScripts(list) {
    this.calls.push({ register: list.map((s) => s.id) });
    for (const s of list) {
      if (this.rejectMatchOriginAsFallback && 'matchOriginAsFallback' in s) throw new Error('unexpected property matchOriginAsFallback');
      if (this.scripts.has(s.id)) throw new Error(`duplicate script id ${s.id}`);
    }
    for (const s of list) this.scripts.set(s.id, structuredClone(s));
  }
  async updateContentScripts(list) {
    for (const s of list) this.scripts.set(s.id, { ...this.scripts.get(s.id), ...structuredClone(s) });
  }
  async unregisterContentScripts({ ids }) {
    this.calls.push({ unregister: ids });
    for (const id of ids) this.scripts.delete(id);
  }
}

/** One privacy BrowserSetting. */
export class FakeSetting {
  constructor(value, levelOfControl = 'controllable_by_this_extension') {
    this.browserValue = value; // what the browser would use without us
    this.ours = undefined;
    this.levelOfControl = levelOfControl;
    this.listeners = [];
    this.onChange = { addListener: (fn) => this.listeners.push(fn) };
    this.sets = [];
    this.clears = 0;
  }
  level() {
    if (this.levelOfControl !== 'controllable_by_this_extension') return this.levelOfControl;
    return this.ours === undefined ? 'controllable_by_this_extension' : 'controlled_by_this_extension';
  }
  async get() {
    return { value: this.ours === undefined ? this.browserValue : this.ours, levelOfControl: this.level() };
  }
  async set({ value }) {
    if (this.levelOfControl !== 'controllable_by_this_extension') throw new Error('not controllable');
    this.sets.push(value);
    this.ours = value;
  }
  async clear() {
    this.clears++;
    this.ours = undefined;
  }
  /** Something else takes the setting (another extension, policy). */
  takeOver(value, level = 'controlled_by_other_extensions') {
    this.levelOfControl = level;
    this.ours = undefined;
    this.browserValue = value;
    const details = { value, levelOfControl: level };
    this.listeners.forEach((f) => f(details));
  }
  /** The setting changes while we may still control it (e.g. the other extension went away). */
  changeTo(value) {
    this.levelOfControl = 'controllable_by_this_extension';
    this.ours = undefined;
    this.browserValue = value;
    this.listeners.forEach((f) => f({ value, levelOfControl: 'controllable_by_this_extension' }));
  }
}

export function fakePrivacy(settings) {
  return { setting: (path) => settings[path] ?? null };
}

/** action.setBadgeText recorder. */
export function fakeAction() {
  const badges = new Map();
  return {
    badges,
    setBadgeText: async ({ tabId, text }) => badges.set(tabId, text),
    setBadgeBackgroundColor: async () => {},
  };
}

/** fetch that answers from a table url → {status, body} (or a function). */
export function fakeFetch(table) {
  const calls = [];
  const fn = async (url) => {
    calls.push(url);
    const r = typeof table === 'function' ? table(url) : table[url];
    if (!r) return { ok: false, status: 404, text: async () => '', json: async () => null };
    if (r instanceof Error) throw r;
    return { ok: r.status >= 200 && r.status < 300, status: r.status, text: async () => r.body, json: async () => JSON.parse(r.body) };
  };
  fn.calls = calls;
  return fn;
}

/** A whole browser-api facade of fakes, for the controller. */
export function fakeApi({ flavor = 'chromium', clock = new FakeClock(), native = new FakeNative(), settings = {} } = {}) {
  const alarms = new Map();
  return {
    flavor,
    clock,
    native,
    storage: { local: new FakeStorage(), session: new FakeStorage() },
    connectNative: native.connectNative,
    dnr: new FakeDnr(),
    scripting: new FakeScripting(),
    privacy: fakePrivacy(settings),
    action: fakeAction(),
    alarms: {
      map: alarms,
      create: async (n, i) => alarms.set(n, { name: n, ...i }),
      clear: async (n) => alarms.delete(n),
      get: async (n) => alarms.get(n),
    },
    runtime: { id: 'ext', getURL: (p) => `chrome-extension://ext/${p}` },
    manifest: {
      version: '0.1.0',
      declarative_net_request: { rule_resources: ['advertising', 'tracking', 'social'].map((id) => ({ id })) },
    },
    fetch: fakeFetch({}),
    now: clock.now,
    timers: { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout },
  };
}
