import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Evidence } from '../../extension/background/evidence.js';
import { FakeStorage } from './fakes.mjs';

function hostSink() {
  const sink = { up: true, batches: [], recorded: [] };
  sink.send = async (events) => {
    sink.batches.push(events.length);
    if (!sink.up) throw Object.assign(new Error('host gone'), { code: 'host_disconnected' });
    sink.recorded.push(...structuredClone(events));
    return { recorded: events.length };
  };
  return sink;
}

const sig = (site, gpc, dnt = gpc) => ({ type: 'signals', site, day: '2026-11-29', gpc, dnt });
const blk = (site, category, hosts) => ({
  type: 'blocked', site, day: '2026-11-29', category, count: Object.values(hosts).reduce((a, b) => a + b, 0), hosts,
});

describe('Evidence', () => {
  it('aggregates counters per site/day/category while they wait', async () => {
    const storage = new FakeStorage();
    const sink = hostSink();
    const ev = new Evidence({ storage, send: sink.send });
    await ev.addCounters([sig('a.example', 2), blk('a.example', 'tracking', { 't.example': 1 })]);
    await ev.addCounters([sig('a.example', 3, 1), blk('a.example', 'tracking', { 't.example': 2, 'u.example': 1 })]);
    await ev.addEvent({ type: 'gpc_json', site: 'a.example', day: '2026-11-29', status: 'absent', declaration: null });
    assert.equal(await ev.waiting(), 3);
    const r = await ev.flush();
    assert.deepEqual(r, { sent: 3, left: 0 });
    assert.deepEqual(sink.recorded, [
      { type: 'gpc_json', site: 'a.example', day: '2026-11-29', status: 'absent', declaration: null },
      sig('a.example', 5, 3),
      blk('a.example', 'tracking', { 't.example': 3, 'u.example': 1 }),
    ]);
    assert.equal(await ev.waiting(), 0);
  });

  it('keeps everything stored while the host is down and sends it once it is back', async () => {
    const storage = new FakeStorage();
    const sink = hostSink();
    sink.up = false;
    const ev = new Evidence({ storage, send: sink.send });
    await ev.addCounters([sig('a.example', 1)]);
    const r = await ev.flush();
    assert.equal(r.left, 1);
    assert.match(r.error, /host gone/);
    await ev.addCounters([sig('a.example', 1)]);
    assert.equal(await ev.waiting(), 2, 'the in-flight batch and the newer counter');
    sink.up = true;
    await ev.flush(); // the old in-flight batch first
    await ev.flush(); // then what came after
    assert.deepEqual(sink.recorded, [sig('a.example', 1), sig('a.example', 1)]);
    assert.equal(await ev.waiting(), 0);
  });

  it('survives a worker that dies mid-flush: a new instance re-sends the in-flight batch', async () => {
    const storage = new FakeStorage();
    let release;
    const hang = new Evidence({ storage, send: () => new Promise((r) => (release = r)) });
    await hang.addCounters([sig('a.example', 4)]);
    hang.flush(); // never acknowledged: the worker is "killed" here
    await new Promise((r) => setImmediate(r));
    assert.ok(storage.data.evidenceInflight?.length === 1);
    const sink = hostSink();
    const fresh = new Evidence({ storage, send: sink.send });
    assert.equal(await fresh.waiting(), 1);
    await fresh.flush();
    assert.deepEqual(sink.recorded, [sig('a.example', 4)]);
    assert.equal(await fresh.waiting(), 0);
    release?.();
  });

  it('sends large backlogs in batches and keeps the unsent part on failure', async () => {
    const storage = new FakeStorage();
    const sink = hostSink();
    let calls = 0;
    const ev = new Evidence({
      storage,
      maxBatch: 2,
      send: async (events) => {
        calls++;
        if (calls === 2) throw new Error('host died');
        return sink.send(events);
      },
    });
    for (let i = 0; i < 5; i++) await ev.addEvent({ type: 'gpc_json', site: `s${i}.example`, day: 'd', status: 'absent', declaration: null });
    const r = await ev.flush();
    assert.deepEqual({ sent: r.sent, left: r.left }, { sent: 2, left: 3 });
    await ev.flush();
    assert.deepEqual(sink.recorded.map((e) => e.site), ['s0.example', 's1.example', 's2.example', 's3.example', 's4.example']);
  });
});
