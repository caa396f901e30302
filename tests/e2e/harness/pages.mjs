// Pages the test server serves. Every sub-resource URL is /r/<token>/<kind>... so a test can
// find exactly its own requests in the server log. The paths are deliberately neutral (no
// "pixel", "beacon", "track"...): the harmless third party loads the very same paths as the
// trackers, so a harmless request getting through proves no generic filter matched the path.
//
// Pages report to the test through window.__results (filled by load/error events).

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SIGNALS_PROBE = `
  window.__signals = { gpc: navigator.globalPrivacyControl, dnt: navigator.doNotTrack };
`;

function signalsPage({ server, host, query }) {
  const tok = query.get('tok') ?? 'none';
  const frameHost = query.get('frameHost') ?? host;
  const frameSrc = server.url(frameHost, `/r/${tok}/frame?probe=1`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>signals</title>
<script>${SIGNALS_PROBE}</script></head><body>
<h1>signals on ${esc(host)}</h1>
<script>
  window.__results = { frame: null, fetch: null, worker: null };
  window.addEventListener('message', (e) => { if (e.data && e.data.kind === 'frame-signals') window.__results.frame = e.data.signals; });
  fetch('/r/${tok}/k-fetch').then((r) => r.json()).then((j) => { window.__results.fetch = j; }, (e) => { window.__results.fetch = String(e); });
  const w = new Worker('/r/${tok}/worker.js');
  w.onmessage = (e) => { window.__results.worker = e.data; };
  w.onerror = (e) => { window.__results.worker = 'error: ' + e.message; };
</script>
<iframe id="f" src="${esc(frameSrc)}" width="300" height="100"></iframe>
</body></html>`;
}

function framePage({ query }) {
  const probe = query.get('probe') === '1';
  return `<!doctype html><html><head><meta charset="utf-8"><title>frame</title>
<script>${SIGNALS_PROBE}</script></head><body><p>frame</p>
${probe ? `<script>parent.postMessage({ kind: 'frame-signals', signals: window.__signals }, '*');</script>` : ''}
</body></html>`;
}

function workerScript({ query }) {
  const extra = query.get('then');
  return `
  fetch(location.pathname.replace(/worker\\.js$/, 'k-wfetch')).then((r) => r.json())
    .then((j) => postMessage(j), (e) => postMessage('error: ' + e));
  ${extra ? `fetch(${JSON.stringify(extra)}).catch(() => {});` : ''}
`;
}

// Loads one of each request kind from each given host. Third-party hosts come from the
// "hosts" query (comma separated), first-party images from the page's own host.
function requestsPage({ server, host, query }) {
  const tok = query.get('tok') ?? 'none';
  const hosts = (query.get('hosts') ?? '').split(',').filter(Boolean);
  const fpImages = Number(query.get('fp') ?? 2);
  const u = (h, kind) => server.url(h, `/r/${tok}/${kind}`);
  const ws = (h) => `ws://${h}:${server.port}/r/${tok}/k-ws`;
  const rows = hosts
    .map(
      (h) => `
  <div class="host" data-host="${esc(h)}">
    <img data-kind="img" data-host="${esc(h)}" src="${esc(u(h, 'k-img.gif'))}" width="1" height="1">
    <div class="bg" style="width:2px;height:2px;background-image:url('${esc(u(h, 'k-css.png'))}')"></div>
    <script data-kind="script" data-host="${esc(h)}" src="${esc(u(h, 'k-js.js'))}" async></script>
    <iframe data-kind="frame" data-host="${esc(h)}" src="${esc(u(h, 'k-frame'))}" width="10" height="10"></iframe>
  </div>`,
    )
    .join('\n');
  const fp = Array.from({ length: fpImages }, (_, i) => `<img class="fp" src="/r/${tok}/fp-${i}.png" width="1" height="1">`).join('');
  const pingUrls = hosts.map((h) => u(h, 'k-ap')).concat([`/r/${tok}/k-ap-first`]).join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>requests</title>
<script>
  // Capturing listeners, installed before any element exists: a blocked image can fail before
  // a later script could attach its own listener.
  window.__results = {};
  const __set = (el, v) => { if (el.dataset && el.dataset.kind) (window.__results[el.dataset.kind] ??= {})[el.dataset.host] = v; };
  document.addEventListener('load', (e) => __set(e.target, 'load'), true);
  document.addEventListener('error', (e) => __set(e.target, 'error'), true);
</script></head><body>
<h1>requests on ${esc(host)}</h1>
<div id="fp">${fp}</div>
${rows}
<iframe name="sink" width="10" height="10"></iframe>
<a id="pinglink" href="/r/${tok}/landing" target="sink" ping="${esc(pingUrls)}">follow</a>
<script>
  const hosts = ${JSON.stringify(hosts)};
  const R = window.__results;
  const set = (kind, host, v) => { (R[kind] ??= {})[host] = v; };
  for (const h of hosts) {
    const base = ${JSON.stringify(`http://HOST:${server.port}/r/${tok}/`)}.replace('HOST', h);
    set('beacon', h, navigator.sendBeacon(base + 'k-sb', 'x=1') ? 'queued' : 'refused');
    fetch(base + 'k-fetch', { mode: 'no-cors' }).then(() => set('fetch', h, 'load'), () => set('fetch', h, 'error'));
    const x = new XMLHttpRequest();
    x.open('GET', base + 'k-xhr');
    x.onload = () => set('xhr', h, 'load');
    x.onerror = () => set('xhr', h, 'error');
    x.send();
    try {
      const s = new WebSocket(${JSON.stringify(`ws://HOST:${server.port}/r/${tok}/k-ws`)}.replace('HOST', h));
      s.onmessage = () => { set('websocket', h, 'load'); s.close(); };
      s.onerror = () => set('websocket', h, 'error');
    } catch (e) { set('websocket', h, 'error'); }
  }
  // The first party's own fetch (a positive control for the log and for headers).
  set('beacon', 'first', navigator.sendBeacon('/r/${tok}/k-sb-first', 'x=1') ? 'queued' : 'refused');
  fetch('/r/${tok}/k-fetch-first').then(() => set('fetch', 'first', 'load'), () => set('fetch', 'first', 'error'));
  window.__pageReady = true;
</script>
</body></html>`;
}

// The benchmark page: n third-party pixels from real tracker hosts and m first-party images.
function benchPage({ server, query }) {
  const tok = query.get('tok') ?? 'bench';
  const hosts = (query.get('hosts') ?? '').split(',').filter(Boolean);
  const n = Number(query.get('n') ?? 200);
  const m = Number(query.get('m') ?? 20);
  const imgs = [];
  for (let i = 0; i < n; i++) {
    const h = hosts[i % hosts.length];
    imgs.push(`<img src="${server.url(h, `/r/${tok}/t${i}.gif`)}" width="1" height="1">`);
  }
  for (let i = 0; i < m; i++) imgs.push(`<img src="/r/${tok}/fp${i}.png" width="1" height="1">`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>
${imgs.join('\n')}
</body></html>`;
}

function plainPage({ host }) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(host)}</title>
<script>${SIGNALS_PROBE}</script></head><body><h1>${esc(host)}</h1><p>A plain page.</p></body></html>`;
}

// One third-party image (`src`, a full URL) on a first-party page; window.__img says
// "load" or "error" once it settled (learning.e2e.mjs).
function imagePage({ host, query }) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(host)}</title></head><body>
<h1>${esc(host)}</h1>
<img alt="" width="1" height="1" src="${esc(query.get('src') ?? '')}"
  onload="window.__img = 'load'" onerror="window.__img = 'error'">
</body></html>`;
}

export const pages = {
  '/': plainPage,
  '/image': imagePage,
  '/signals': signalsPage,
  '/requests': requestsPage,
  '/bench': benchPage,
  framePage,
  workerScript,
};
