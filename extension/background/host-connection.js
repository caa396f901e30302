// One native-messaging port to the optguard host: hello handshake, replies matched to requests
// by id with a timeout each, reconnect with exponential backoff when the host exits, and a
// degraded state (with the reason and the command that fixes it) while it cannot be reached.
//
// The port is opened lazily (first request or ensure()), so an MV3 service worker that was
// stopped simply reconnects on its next wake; an open native port keeps the Chromium worker
// alive while it is connected.

export const HOST_NAME = 'org.optguard.host';

/** Why the host is unreachable, from the browser's error text, and what fixes it. */
export function diagnose(errorMessage) {
  const m = String(errorMessage ?? '');
  if (/not found|No such native application/i.test(m)) {
    return { reason: 'missing', fix: 'scripts/install.sh   (or: optguard install)' };
  }
  if (/forbidden/i.test(m)) return { reason: 'forbidden', fix: 'optguard install' };
  if (/exited/i.test(m)) return { reason: 'exited', fix: 'optguard doctor' };
  return { reason: 'broken', fix: 'optguard doctor' };
}

export class HostError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class HostConnection {
  /**
   * @param {object} o
   * @param {(name: string) => object} o.connectNative  facade from lib/browser-api.js
   * @param {{setTimeout, clearTimeout}} o.timers
   * @param {() => number} o.now
   * @param {number} [o.timeoutMs]   per-request timeout
   * @param {number} [o.helloTimeoutMs]
   * @param {{initialMs: number, maxMs: number, factor: number}} [o.backoff]
   * @param {(status) => void} [o.onStatus]   every status change
   * @param {(hello) => Promise|void} [o.onConnected]   after each successful hello
   * @param {(event) => void} [o.onEvent]   unsolicited host events
   */
  constructor(o) {
    this.connectNative = o.connectNative;
    this.timers = o.timers;
    this.now = o.now ?? (() => Date.now());
    this.timeoutMs = o.timeoutMs ?? 15000;
    this.helloTimeoutMs = o.helloTimeoutMs ?? 5000;
    this.backoff = { initialMs: 500, maxMs: 60000, factor: 2, ...(o.backoff ?? {}) };
    this.onStatus = o.onStatus ?? (() => {});
    this.onConnected = o.onConnected ?? (() => {});
    this.onEvent = o.onEvent ?? (() => {});
    this.port = null;
    this.nextId = 1;
    this.pending = new Map(); // id → {resolve, reject, timer}
    this.failures = 0; // consecutive failed connections, drives the backoff
    this.reconnectTimer = null;
    this.ready = null; // promise of the current connection's hello
    this.closed = false;
    this.status = { state: 'idle', reason: null, message: null, fix: null, hello: null, since: this.now(), failures: 0 };
  }

  setStatus(patch) {
    this.status = { ...this.status, ...patch, since: this.now(), failures: this.failures };
    this.onStatus(this.status);
  }

  get connected() {
    return this.status.state === 'connected';
  }

  /** Connects if not connected or connecting; resolves with the hello result. */
  ensure() {
    if (this.ready) return this.ready;
    if (this.reconnectTimer) {
      this.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.closed = false;
    this.ready = this.open();
    // Callers that only want the side effect must not see unhandled rejections.
    this.ready.catch(() => {});
    return this.ready;
  }

  open() {
    // A retry after failures keeps the last failure's diagnosis while it runs: a popup opened
    // during the attempt goes on showing what is wrong and the fix (it showed "connecting" with
    // no advice, and, rendered once, stayed so). Success clears it.
    const diagnosis = this.failures > 0 ? {} : { reason: null, message: null, fix: null };
    this.setStatus({ state: 'connecting', ...diagnosis });
    let port;
    try {
      port = this.connectNative(HOST_NAME);
    } catch (e) {
      this.failed(String(e?.message ?? e));
      return Promise.reject(new HostError('host_unavailable', String(e?.message ?? e)));
    }
    this.port = port;
    port.onMessage((msg) => this.receive(port, msg));
    port.onDisconnect((err) => {
      if (this.port !== port) return;
      this.port = null;
      this.failed(err ?? 'Native host has exited.');
    });
    return this.send('hello', {}, this.helloTimeoutMs).then(
      async (hello) => {
        this.failures = 0;
        this.setStatus({ state: 'connected', hello, reason: null, message: null, fix: null });
        try {
          await this.onConnected(hello);
        } catch {
          // onConnected failures (rules, state) are reported by their owners.
        }
        return hello;
      },
      (e) => {
        if (this.port === port) {
          // The host started but did not answer hello: treat it as broken and start over.
          this.port = null;
          try {
            port.disconnect();
          } catch {
            // already gone
          }
          this.failed(`no answer to hello: ${e.message}`);
        }
        throw e;
      },
    );
  }

  /** The port died (or never opened): fail everything in flight, go degraded, schedule a retry. */
  failed(message) {
    this.ready = null;
    for (const [id, p] of this.pending) {
      this.timers.clearTimeout(p.timer);
      p.reject(new HostError('host_disconnected', message));
      this.pending.delete(id);
    }
    this.failures += 1;
    const { reason, fix } = diagnose(message);
    this.setStatus({ state: 'degraded', reason, message, fix, hello: null });
    if (!this.closed) this.scheduleReconnect();
  }

  /** Delay before the next attempt after `failures` consecutive failures. */
  delayFor(failures) {
    const { initialMs, maxMs, factor } = this.backoff;
    return Math.min(maxMs, initialMs * factor ** Math.max(0, failures - 1));
  }

  scheduleReconnect() {
    if (this.reconnectTimer) return;
    const delay = this.delayFor(this.failures);
    this.status.retryInMs = delay;
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.ensure();
    }, delay);
  }

  receive(port, msg) {
    if (this.port !== port || !msg || typeof msg !== 'object') return;
    if ('event' in msg && !('id' in msg)) {
      this.onEvent(msg);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return; // late reply after a timeout
    this.pending.delete(msg.id);
    this.timers.clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new HostError(msg.error?.code ?? 'internal', msg.error?.message ?? 'host error'));
  }

  send(type, params, timeoutMs) {
    const port = this.port;
    if (!port) return Promise.reject(new HostError('host_unavailable', 'not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new HostError('timeout', `${type}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        port.post({ ...params, id, type });
      } catch (e) {
        this.pending.delete(id);
        this.timers.clearTimeout(timer);
        reject(new HostError('host_disconnected', String(e?.message ?? e)));
      }
    });
  }

  /**
   * Sends one request and resolves with its result. Never waits for a reconnect that is merely
   * scheduled: while degraded it rejects at once (callers keep their data and retry later).
   */
  async request(type, params = {}, { timeoutMs } = {}) {
    if (this.status.state === 'idle') this.ensure();
    if (this.status.state === 'connecting' && this.ready) await this.ready;
    if (!this.connected) {
      throw new HostError('host_unavailable', this.status.message ?? 'host not connected');
    }
    return this.send(type, params, timeoutMs ?? this.timeoutMs);
  }

  /** Closes the port and stops reconnecting. */
  close() {
    this.closed = true;
    if (this.reconnectTimer) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const port = this.port;
    this.port = null;
    if (port) {
      try {
        port.disconnect();
      } catch {
        // ignore
      }
    }
    this.failed('closed');
  }
}
