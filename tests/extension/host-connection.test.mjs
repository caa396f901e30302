import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose, HOST_NAME, HostConnection } from '../../extension/background/host-connection.js';
import { FakeClock, FakeNative, settle } from './fakes.mjs';

function setup(opts = {}) {
  const clock = new FakeClock();
  const native = new FakeNative();
  const statuses = [];
  const events = [];
  const connected = [];
  const host = new HostConnection({
    connectNative: native.connectNative,
    timers: clock,
    now: clock.now,
    timeoutMs: 1000,
    helloTimeoutMs: 500,
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    onStatus: (s) => statuses.push(s.state),
    onEvent: (e) => events.push(e),
    onConnected: (h) => connected.push(h),
    ...opts,
  });
  return { clock, native, host, statuses, events, connected };
}

describe('HostConnection', () => {
  it('opens one port to org.optguard.host and completes the hello handshake', async () => {
    const { native, host, connected } = setup();
    const hello = await host.ensure();
    assert.equal(native.ports.length, 1);
    assert.equal(native.last.name, HOST_NAME);
    assert.equal(native.last.sent[0].type, 'hello');
    assert.equal(hello.protocol, 1);
    assert.equal(host.status.state, 'connected');
    assert.equal(connected.length, 1);
    await host.ensure();
    assert.equal(native.ports.length, 1, 'ensure() while connected reuses the port');
  });

  it('matches replies to requests by id, in any order', async () => {
    const { native, host } = setup();
    await host.ensure();
    const a = host.request('ping', { data: 'a' });
    const b = host.request('ping', { data: 'b' });
    await settle();
    const [, ra, rb] = native.last.sent;
    assert.equal(ra.data, 'a');
    assert.notEqual(ra.id, rb.id);
    native.last.reply(rb.id, { pong: true, data: 'b' });
    native.last.reply(ra.id, { pong: true, data: 'a' });
    assert.deepEqual(await a, { pong: true, data: 'a' });
    assert.deepEqual(await b, { pong: true, data: 'b' });
  });

  it('turns an error reply into a HostError with the host code', async () => {
    const { native, host } = setup();
    await host.ensure();
    const p = host.request('filters_add', { text: 'x' });
    await settle();
    native.last.fail(native.last.sent[1].id, 'bad_params', 'text must be a string');
    await assert.rejects(p, (e) => e.code === 'bad_params' && /text must/.test(e.message));
  });

  it('times out a request without a reply and ignores the late reply', async () => {
    const { native, clock, host } = setup();
    await host.ensure();
    const p = host.request('ping');
    const checked = assert.rejects(p, (e) => e.code === 'timeout');
    await clock.advance(1000);
    await checked;
    native.last.reply(native.last.sent[1].id, { pong: true }); // late: must not throw
    assert.equal(host.pending.size, 0);
    assert.equal(host.status.state, 'connected', 'a slow reply does not drop the connection');
  });

  it('routes unsolicited host events to onEvent', async () => {
    const { native, host, events } = setup();
    await host.ensure();
    native.last.event({ event: 'rules_changed' });
    assert.deepEqual(events, [{ event: 'rules_changed' }]);
  });

  it('fails requests in flight when the host exits, then reconnects with backoff', async () => {
    const { native, clock, host, connected } = setup();
    await host.ensure();
    const p = host.request('ping');
    await settle();
    native.failNext = 'Native host has exited.';
    native.last.die('Native host has exited.');
    await assert.rejects(p, (e) => e.code === 'host_disconnected');
    assert.equal(host.status.state, 'degraded');
    assert.equal(host.status.reason, 'exited');
    assert.equal(host.status.fix, 'optguard doctor');
    // 1st retry after 100 ms; it fails again → 200 ms; again → 400 ms.
    assert.deepEqual(clock.pending(), [100]);
    await clock.advance(100);
    assert.equal(native.ports.length, 2);
    assert.deepEqual(clock.pending(), [200]);
    await clock.advance(200);
    assert.equal(native.ports.length, 3);
    assert.deepEqual(clock.pending(), [400]);
    // The host is back: the next attempt connects and the backoff resets.
    native.failNext = null;
    await clock.advance(400);
    assert.equal(native.ports.length, 4);
    assert.equal(host.status.state, 'connected');
    assert.equal(host.failures, 0);
    assert.equal(connected.length, 2);
  });

  it('keeps the last diagnosis while a retry runs, and clears it when the retry connects', async () => {
    const { native, clock, host } = setup();
    await host.ensure();
    native.failNext = 'Native host has exited.';
    native.last.die('Native host has exited.');
    await settle();
    assert.equal(host.status.reason, 'exited');
    const seen = [];
    host.onStatus = (s) => seen.push({ state: s.state, reason: s.reason, fix: s.fix });
    native.failNext = null;
    await clock.advance(100);
    assert.deepEqual(seen[0], { state: 'connecting', reason: 'exited', fix: 'optguard doctor' });
    assert.equal(host.status.state, 'connected');
    assert.equal(host.status.reason, null);
    assert.equal(host.status.fix, null);
  });

  it('caps the backoff at maxMs', () => {
    const { host } = setup();
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => host.delayFor(n)), [100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('goes degraded with the install command when the host is not installed', async () => {
    const { native, host } = setup();
    native.failNext = 'Specified native messaging host not found.';
    await assert.rejects(host.ensure());
    assert.equal(host.status.state, 'degraded');
    assert.equal(host.status.reason, 'missing');
    assert.match(host.status.fix, /scripts\/install\.sh/);
    assert.match(host.status.fix, /optguard install/);
  });

  it('rejects requests at once while degraded (callers keep their data), without opening ports', async () => {
    const { native, host } = setup();
    native.failNext = 'No such native application org.optguard.host';
    await assert.rejects(host.ensure());
    const before = native.ports.length;
    await assert.rejects(host.request('record', { events: [] }), (e) => e.code === 'host_unavailable');
    assert.equal(native.ports.length, before);
  });

  it('connects lazily on the first request (a woken service worker)', async () => {
    const { native, host } = setup();
    assert.equal(native.ports.length, 0);
    const p = host.request('ping');
    await settle();
    assert.equal(native.ports.length, 1);
    native.last.reply(native.last.sent[1].id, { pong: true });
    assert.deepEqual(await p, { pong: true });
  });

  it('treats a host that never answers hello as broken and retries', async () => {
    const { native, clock, host } = setup();
    native.autoHello = false;
    const p = host.ensure();
    const checked = assert.rejects(p, (e) => e.code === 'timeout');
    await clock.advance(500);
    await checked;
    assert.equal(host.status.state, 'degraded');
    assert.equal(host.status.reason, 'broken');
    assert.equal(native.ports[0].closed, true, 'the silent port is closed');
    assert.deepEqual(clock.pending(), [100]);
  });

  it('close() stops reconnecting', async () => {
    const { clock, host } = setup();
    await host.ensure();
    host.close();
    assert.deepEqual(clock.pending(), []);
  });
});

describe('diagnose', () => {
  it('maps browser error texts to a reason and the command that fixes it', () => {
    assert.equal(diagnose('Specified native messaging host not found.').reason, 'missing');
    assert.equal(diagnose('No such native application org.optguard.host').reason, 'missing');
    assert.equal(diagnose('Access to the specified native messaging host is forbidden.').reason, 'forbidden');
    assert.equal(diagnose('Access to the specified native messaging host is forbidden.').fix, 'optguard install');
    assert.equal(diagnose('Native host has exited.').reason, 'exited');
    assert.equal(diagnose('something odd').reason, 'broken');
  });
});
