// Real browsers find and start the host through the manifests `optguard install` wrote.
// Everything happens in a fake HOME: `optguard install` writes the per-user manifests there,
// then Debian's Chromium and Firefox ESR (headless) load a tiny extension with the real
// extension's identity (tests/install/fixture-extension/, key and gecko id from
// manifests/ids.json) that calls connectNative + hello and posts the reply to this test.
//
// Run: node --test tests/install/browsers.e2e.mjs   (OPTGUARD_BIN=path/to/optguard to choose the build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const ids = JSON.parse(fs.readFileSync(path.join(root, 'manifests/ids.json'), 'utf8'));
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium';
const FIREFOX = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';

function findOptguard() {
  const candidates = [
    process.env.OPTGUARD_BIN,
    path.join(root, 'build/installer/host/app/optguard'),
    path.join(root, 'build/release/host/app/optguard'),
    path.join(root, 'build/debug/host/app/optguard'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no optguard binary: build it or set OPTGUARD_BIN (looked at ${candidates.join(', ')})`);
  return fs.realpathSync(found);
}

let tmp;
let fakeHome;
let optguard;
let server;
let port;
const waiters = [];

// The fake HOME is the only environment the browsers and optguard see.
function fakeEnv() {
  const env = { ...process.env, HOME: fakeHome };
  delete env.OPTGUARD_HOME;
  delete env.XDG_CONFIG_HOME;
  delete env.XDG_DATA_HOME;
  return env;
}

function og(...args) {
  const r = spawnSync(optguard, args, { env: fakeEnv(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function nextReport(timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no report from the test extension')), timeoutMs);
    timer.unref();
    waiters.push((r) => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}

// The fixture extension with the real identities and this run's report port.
function makeExtension() {
  const dir = fs.mkdtempSync(path.join(tmp, 'ext-'));
  const src = path.join(here, 'fixture-extension');
  fs.copyFileSync(path.join(src, 'bg.js'), path.join(dir, 'bg.js'));
  const manifest = fs
    .readFileSync(path.join(src, 'manifest.template.json'), 'utf8')
    .replace('{firefox_id}', ids.firefox_id)
    .replace('{chromium_key}', ids.chromium_key);
  fs.writeFileSync(path.join(dir, 'manifest.json'), manifest);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ port, host_name: ids.host_name }));
  return dir;
}

async function withChromium(userDataDir, fn) {
  const ext = makeExtension();
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    enableExtensions: true,
    env: fakeEnv(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-background-networking',
      `--load-extension=${ext}`,
    ],
  });
  try {
    return await fn();
  } finally {
    await browser.close();
  }
}

async function withFirefox(fn) {
  const profile = fs.mkdtempSync(path.join(tmp, 'ff-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    env: fakeEnv(),
  });
  try {
    const report = nextReport();
    await browser.installExtension(makeExtension());
    return await fn(report);
  } finally {
    await browser.close();
  }
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optguard-install-e2e-'));
  fakeHome = path.join(tmp, 'home');
  fs.mkdirSync(fakeHome);
  optguard = findOptguard();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end('ok');
      if (req.url === '/report') {
        const w = waiters.shift();
        if (w) w(JSON.parse(body));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});

after(async () => {
  server?.close();
  if (tmp && !process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

test('optguard install writes the per-user manifests into the fake HOME', () => {
  const r = og('install', '--browser', 'chromium', '--browser', 'firefox');
  assert.equal(r.status, 0, r.stderr);
  const chromium = JSON.parse(
    fs.readFileSync(path.join(fakeHome, '.config/chromium/NativeMessagingHosts/org.optguard.host.json'), 'utf8'),
  );
  assert.equal(chromium.path, optguard);
  assert.deepEqual(chromium.allowed_origins, [`chrome-extension://${ids.chromium_id}/`]);
  const firefox = JSON.parse(
    fs.readFileSync(path.join(fakeHome, '.mozilla/native-messaging-hosts/org.optguard.host.json'), 'utf8'),
  );
  assert.deepEqual(firefox.allowed_extensions, [ids.firefox_id]);
});

test('Chromium (its default profile folder under HOME) starts the host through the manifest', async () => {
  const report = nextReport();
  const result = await withChromium(path.join(fakeHome, '.config/chromium'), () => report);
  assert.equal(result.extension_id, ids.chromium_id, 'the fixture has the real extension id');
  assert.ok(result.reply, `no reply: ${result.error}`);
  assert.equal(result.reply.ok, true);
  assert.equal(result.reply.result.protocol, 1);
  assert.equal(result.reply.result.caller.browser, 'chromium');
  assert.equal(result.reply.result.caller.origin, `chrome-extension://${ids.chromium_id}/`);
});

test('Chromium with a fresh --user-data-dir: not found until install --chromium-user-data-dir', async () => {
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
  let report = nextReport();
  let result = await withChromium(profile, () => report);
  assert.match(result.error ?? '', /native messaging host not found/i, 'without the manifest the host is not found');

  const r = og('install', '--chromium-user-data-dir', profile);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(profile, 'NativeMessagingHosts/org.optguard.host.json')));
  report = nextReport();
  result = await withChromium(profile, () => report);
  assert.ok(result.reply, `no reply: ${result.error}`);
  assert.equal(result.reply.result.caller.browser, 'chromium');
});

test('Firefox ESR starts the host through ~/.mozilla/native-messaging-hosts', async () => {
  const result = await withFirefox((report) => report);
  assert.equal(result.extension_id, ids.firefox_id);
  assert.ok(result.reply, `no reply: ${result.error}`);
  assert.equal(result.reply.ok, true);
  assert.equal(result.reply.result.caller.browser, 'firefox');
  assert.equal(result.reply.result.caller.origin, ids.firefox_id);
});

test('optguard doctor --json is green for both browsers', () => {
  const r = og('doctor', '--json');
  const out = JSON.parse(r.stdout);
  const byCheck = Object.fromEntries(out.findings.map((f) => [f.check, f]));
  assert.equal(byCheck['browser:chromium']?.status, 'ok', JSON.stringify(byCheck['browser:chromium']));
  assert.equal(byCheck['browser:firefox']?.status, 'ok', JSON.stringify(byCheck['browser:firefox']));
});

test('a stale path: doctor says so, install repairs it, Firefox reaches the host again', async () => {
  const file = path.join(fakeHome, '.mozilla/native-messaging-hosts/org.optguard.host.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  m.path = path.join(tmp, 'moved-away/optguard');
  fs.writeFileSync(file, JSON.stringify(m));
  const broken = og('doctor');
  assert.notEqual(broken.status, 0);
  assert.match(broken.stdout, /does not exist/);
  assert.match(broken.stdout, /optguard install --browser firefox/);
  let result = await withFirefox((report) => report);
  assert.ok(result.error, 'Firefox cannot start a host that is not there');

  const r = og('install');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /repaired/);
  result = await withFirefox((report) => report);
  assert.ok(result.reply, `no reply after repair: ${result.error}`);
});

test('optguard uninstall removes every manifest it wrote', () => {
  const r = og('uninstall');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!fs.existsSync(path.join(fakeHome, '.mozilla/native-messaging-hosts/org.optguard.host.json')));
  assert.ok(!fs.existsSync(path.join(fakeHome, '.config/chromium/NativeMessagingHosts/org.optguard.host.json')));
  const left = execFileSync('find', [fakeHome, '-name', 'org.optguard.host.json'], { encoding: 'utf8' });
  assert.equal(left.trim(), '');
});
