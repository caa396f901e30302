// Test hooks, off unless the unpacked extension directory contains `test-hooks.json` (the
// end-to-end tests copy the extension and add it; it is never shipped). Firefox's WebDriver
// BiDi cannot navigate to moz-extension:// pages, so the tests ask the extension to open its
// own pages in tabs, which the driver can then use:
//   {"openPages": ["options/options.html", "popup/popup.html"],
//    "reportUrl": "http://127.0.0.1:8099/optguard-status"}
// reportUrl receives a POST of the status object (README: test hooks) on every change.
export async function loadTestHooks(api) {
  try {
    const res = await api.fetch(api.runtime.getURL('test-hooks.json'));
    return res.ok ? await res.json() : null;
  } catch {
    return null; // no file: a normal install
  }
}

/** POSTs each status change to hooks.reportUrl. */
export function reportStatus(api, hooks, state) {
  if (!hooks?.reportUrl) return;
  const post = (status) =>
    api.fetch(hooks.reportUrl, { method: 'POST', body: JSON.stringify(status), headers: { 'content-type': 'application/json' } }).catch(() => {});
  state.onStatus(post);
  state.status().then(post);
}

export async function runTestHooks(api) {
  let hooks;
  try {
    const res = await api.fetch(api.runtime.getURL('test-hooks.json'));
    if (!res.ok) return null;
    hooks = await res.json();
  } catch {
    return null; // no file: a normal install
  }
  for (const page of hooks.openPages ?? []) {
    await api.ns.tabs.create({ url: api.runtime.getURL(page), active: true });
  }
  return hooks;
}
