// The demo page: fires the classic tracking pixels and a beacon, then asks the demo server
// (which plays every tracker) which of them arrived, and with which signals.
// The pixels (scripts/demo/pixels.json, also read by launch.sh for the headless summary).
// Hosts were chosen so that without the extension every one reaches the demo server (no
// HSTS-preloaded domain, whose http:// request the browser would upgrade and fail).
let PIXELS = [];

const $ = (id) => document.getElementById(id);
const started = Date.now();

function fire() {
  const table = $('pixels');
  for (const p of PIXELS) {
    const row = table.insertRow();
    row.insertCell().textContent = p.what;
    row.insertCell().textContent = p.host;
    const cell = row.insertCell();
    cell.className = 'wait';
    cell.textContent = 'waiting…';
    p.cell = cell;
    const url = `http://${p.host}${p.url}${p.url.includes('?') ? '&' : '?'}r=${Math.random().toString(36).slice(2)}`;
    if (p.beacon) navigator.sendBeacon(url, 'demo');
    else new Image(1, 1).src = url;
  }
}

function yesNo(el, ok, text) {
  el.textContent = text ?? (ok ? 'yes' : 'no');
  el.className = ok ? 'blocked' : 'reached';
}

async function poll() {
  let status;
  try {
    status = await (await fetch('/api/status', { cache: 'no-store' })).json();
  } catch {
    return;
  }
  // Only what arrived since this page was requested (a reload starts over).
  const all = status.requests;
  const lastPage = all.map((r) => r.kind).lastIndexOf('page');
  const seen = lastPage >= 0 ? all.slice(lastPage) : all;
  const settled = Date.now() - started > 3000;
  let blocked = 0;
  for (const p of PIXELS) {
    const hit = seen.find((r) => r.host === p.host && r.path.startsWith(p.url.split('?')[0]));
    if (hit) {
      yesNo(p.cell, false, `reached the tracker${hit.gpc ? ' (with Sec-GPC: 1)' : ' (no Sec-GPC)'}`);
    } else if (settled) {
      yesNo(p.cell, true, 'blocked: never reached the tracker');
      blocked += 1;
    }
  }
  const page = [...seen].reverse().find((r) => r.kind === 'page');
  if (page) yesNo($('gpc-page'), page.gpc);
  if (seen.length) {
    const withGpc = seen.filter((r) => r.gpc).length;
    yesNo($('gpc-all'), withGpc === seen.length, `${withGpc} of ${seen.length}`);
  }
  const control = seen.find((r) => r.kind === 'first-party image');
  if (control) yesNo($('control'), true, 'loaded (first-party content is not blocked)');
  if (settled) {
    const gpcSent = Boolean(page && page.gpc);
    const summary = $('summary');
    summary.textContent = `${blocked} of ${PIXELS.length} tracking pixels blocked · GPC ${gpcSent ? 'sent' : 'NOT sent'}`;
    summary.dataset.ready = 'true';
    summary.dataset.blocked = String(blocked);
    summary.dataset.total = String(PIXELS.length);
    summary.dataset.gpc = String(gpcSent);
  }
}

yesNo($('gpc-js'), navigator.globalPrivacyControl === true, String(navigator.globalPrivacyControl));
yesNo($('dnt-js'), navigator.doNotTrack === '1', String(navigator.doNotTrack));
// A browser opened straight onto this page may load it before the extension has installed
// its rules: reload once, a moment later, so the page shows the steady state.
if (navigator.globalPrivacyControl !== true && !sessionStorage.getItem('optguard-demo-reloaded')) {
  sessionStorage.setItem('optguard-demo-reloaded', '1');
  $('summary').textContent = 'Waiting for the extension…';
  setTimeout(() => location.reload(), 2000);
} else {
  start();
}

function start() {
fetch('/pixels.json')
  .then((r) => r.json())
  .then((list) => {
    PIXELS = list;
    fire();
    poll();
    setInterval(poll, 1000);
  });
}
