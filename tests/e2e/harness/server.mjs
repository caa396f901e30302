// A local HTTP server that answers as several hosts (by the Host header) and records every
// request it receives, headers included, so tests can assert what reached "the network":
// Sec-GPC / DNT on each request, and which tracker requests got through.
//
// Browsers reach it through --host-resolver-rules (Chromium) or network.dns.localDomains
// (Firefox); every URL carries the server's port. Hosts are declared in hosts.mjs.
import http from 'node:http';
import crypto from 'node:crypto';
import { FIRST_PARTY, OTHER_SITE } from './hosts.mjs';
import { pages } from './pages.mjs';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export class TestServer {
  /**
   * @param {object} [opts]
   * @param {(host: string) => number} [opts.delayMs] per-request delay by host (a network stand-in)
   */
  constructor(opts = {}) {
    this.delayMs = opts.delayMs ?? (() => 0);
    this.log = [];
    this.waiters = new Set();
    this.gpcJson = { gpc: true, lastUpdate: '2026-01-01' };
    this.sockets = new Set();
    this.server = http.createServer((req, res) => this.#onRequest(req, res));
    this.server.on('upgrade', (req, socket) => this.#onUpgrade(req, socket));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.keepAliveTimeout = 5000;
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** http://host:port */
  origin(host) {
    return `http://${host}:${this.port}`;
  }

  url(host, path) {
    return `${this.origin(host)}${path}`;
  }

  /** Requests seen so far, optionally filtered. */
  requests(pred = () => true) {
    return this.log.filter(pred);
  }

  /** Requests whose path contains a token (tests put a unique token in every URL they load). */
  withToken(token) {
    return this.log.filter((r) => r.path.includes(token));
  }

  /** Resolves with the first request matching pred (already seen or future); rejects after ms. */
  waitFor(pred, ms = 10000, what = 'request') {
    const hit = this.log.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      timer.unref();
      w.resolve = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.add(w);
    });
  }

  #record(req, kind) {
    const u = new URL(req.url, 'http://x');
    const entry = {
      time: Date.now(),
      kind, // "http" | "websocket"
      method: req.method,
      host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      path: req.url,
      query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers },
      gpc: req.headers['sec-gpc'] ?? null,
      dnt: req.headers.dnt ?? null,
    };
    this.log.push(entry);
    for (const w of [...this.waiters]) {
      if (w.pred(entry)) {
        this.waiters.delete(w);
        w.resolve(entry);
      }
    }
    return entry;
  }

  async #onRequest(req, res) {
    const entry = this.#record(req, 'http');
    const delay = this.delayMs(entry.host);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    // Drain bodies (beacons, pings, POSTs) before answering.
    req.resume();
    await new Promise((r) => (req.complete ? r() : req.on('end', r)));
    try {
      this.#answer(entry, req, res);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e?.stack ?? e));
    }
  }

  #answer(entry, req, res) {
    const { host } = entry;
    const u = new URL(req.url, 'http://x');
    const path = u.pathname;
    const common = { 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
    const send = (status, type, body, extra = {}) => {
      res.writeHead(status, { ...common, 'content-type': type, ...extra });
      res.end(body);
    };

    if (path === '/.well-known/gpc.json') {
      if (FIRST_PARTY.includes(host) || host === OTHER_SITE) {
        return send(200, 'application/json', JSON.stringify(this.gpcJson));
      }
      return send(404, 'text/plain', 'no');
    }
    if (path === '/favicon.ico') return send(404, 'text/plain', 'no');

    if (path.startsWith('/') && Object.hasOwn(pages, path)) {
      return send(200, 'text/html; charset=utf-8', pages[path]({ server: this, host, query: u.searchParams }));
    }
    // Sub-resources (/r/<token>/<kind>), by kind / extension, the same on every host.
    if (path.endsWith('/worker.js')) return send(200, 'text/javascript', pages.workerScript({ server: this, host, query: u.searchParams }));
    if (path.endsWith('.js')) {
      return send(200, 'text/javascript', `window.__loaded = (window.__loaded || []).concat(${JSON.stringify(host + req.url)});`);
    }
    if (path.endsWith('.css')) return send(200, 'text/css', `/* ${host} */`);
    if (/\.(gif|png)$/.test(path)) return send(200, path.endsWith('.png') ? 'image/png' : 'image/gif', GIF, { 'content-length': GIF.length });
    if (path.endsWith('/k-sb') || path.includes('/k-ap')) return send(204, 'text/plain', '');
    if (path.endsWith('frame')) return send(200, 'text/html; charset=utf-8', pages.framePage({ server: this, host, query: u.searchParams }));
    if (path.endsWith('/landing')) return send(200, 'text/html; charset=utf-8', '<!doctype html><title>landing</title><p>landed</p>');
    return send(200, 'application/json', JSON.stringify({ ok: true, host, path: req.url, gpc: entry.gpc, dnt: entry.dnt }));
  }

  // A minimal RFC 6455 server side: handshake, then echo one text frame back and keep the socket.
  #onUpgrade(req, socket) {
    this.#record(req, 'websocket');
    const key = req.headers['sec-websocket-key'];
    if (!key) {
      socket.destroy();
      return;
    }
    const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    // Send one unmasked text frame "hello" so the page's onmessage fires.
    const msg = Buffer.from('hello');
    socket.write(Buffer.concat([Buffer.from([0x81, msg.length]), msg]));
    socket.on('data', (buf) => {
      // Close frame from the client (opcode 8): answer with a close and end.
      if (buf.length > 0 && (buf[0] & 0x0f) === 0x8) {
        socket.end(Buffer.from([0x88, 0x00]));
      }
    });
    socket.on('error', () => {});
    this.sockets.add(socket);
  }
}

export async function startServer(opts) {
  return new TestServer(opts).start();
}
