// Connects to the native host with the real extension's identity (same Chromium key, same
// gecko id), sends hello, and reports what happened to the test's local server.
const api = globalThis.browser ?? globalThis.chrome;

function hello(hostName) {
  return new Promise((resolve) => {
    let port;
    const timer = setTimeout(() => resolve({ error: 'timeout waiting for the host' }), 15000);
    try {
      port = api.runtime.connectNative(hostName);
    } catch (e) {
      clearTimeout(timer);
      resolve({ error: String(e && e.message ? e.message : e) });
      return;
    }
    port.onMessage.addListener((msg) => {
      clearTimeout(timer);
      resolve({ reply: msg });
      port.disconnect();
    });
    port.onDisconnect.addListener((p) => {
      clearTimeout(timer);
      const err = (p && p.error) || api.runtime.lastError;
      resolve({ error: err ? err.message : 'disconnected' });
    });
    port.postMessage({ id: 1, type: 'hello' });
  });
}

(async () => {
  const config = await (await fetch(api.runtime.getURL('config.json'))).json();
  const result = await hello(config.host_name);
  result.extension_id = api.runtime.id;
  await fetch(`http://127.0.0.1:${config.port}/report`, { method: 'POST', body: JSON.stringify(result) });
})();
