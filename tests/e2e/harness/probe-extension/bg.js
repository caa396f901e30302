// Harness self-test extension (tests/e2e/harness.e2e.mjs): one native port, ping on demand.
const api = globalThis.browser ?? globalThis.chrome;
let port = null;
let next = 1;
const pending = new Map();
function connect() {
  port = api.runtime.connectNative('org.optguard.host');
  port.onMessage.addListener((m) => {
    const p = pending.get(m.id);
    if (p) {
      pending.delete(m.id);
      p(m);
    }
  });
  port.onDisconnect.addListener(() => {
    port = null;
  });
}
globalThis.probeRequest = (type, params = {}) =>
  new Promise((resolve) => {
    if (!port) connect();
    const id = next++;
    pending.set(id, resolve);
    port.postMessage({ id, type, ...params });
  });
