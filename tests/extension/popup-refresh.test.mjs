// The open popup is kept current (extension/popup/refresh.js): fake timers, loads and paints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRefresher, refreshDelay, REFRESH_MS } from '../../extension/popup/refresh.js';

const model = (state, total = 0) => ({ host: { state }, blocked: { total } });

/** A refresher over scripted loads; timers are recorded and fired by hand. */
function setup(loads, { focused } = {}) {
  const painted = [];
  const timers = new Map();
  let next = 1;
  const queue = [...loads];
  const view = createRefresher({
    load: async () => {
      const l = queue.shift();
      if (l instanceof Error) throw l;
      return typeof l === 'function' ? l() : l;
    },
    paint: (m, focusId) => painted.push({ state: m.host.state, total: m.blocked.total, focusId }),
    setTimer: (fn, ms) => {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimer: (id) => timers.delete(id),
    focused,
  });
  const fire = async () => {
    assert.equal(timers.size, 1, 'one look pending');
    const [[id, t]] = [...timers];
    timers.delete(id);
    t.fn();
    await new Promise((r) => setImmediate(r));
  };
  return { view, painted, timers, fire };
}

test('a popup opened while the host connects turns to connected without being reopened', async () => {
  const { view, painted, timers, fire } = setup([model('connecting'), model('connecting'), model('connected')]);
  await view.refresh();
  assert.deepEqual(painted.map((p) => p.state), ['connecting']);
  assert.equal([...timers.values()][0].ms, REFRESH_MS.connecting);
  await fire(); // still connecting: nothing changed, nothing repainted
  assert.deepEqual(painted.map((p) => p.state), ['connecting']);
  await fire();
  assert.deepEqual(painted.map((p) => p.state), ['connecting', 'connected']);
  assert.equal([...timers.values()][0].ms, REFRESH_MS.steady, 'slower once the host is settled');
});

test('counts that change while the popup is open are repainted; the focused switch keeps its focus', async () => {
  const { view, painted, fire } = setup([model('connected', 1), model('connected', 4)], {
    focused: () => 'sw-global-block-learned',
  });
  await view.refresh();
  await fire();
  assert.deepEqual(painted.map((p) => p.total), [1, 4]);
  assert.equal(painted[1].focusId, 'sw-global-block-learned');
});

test('after a switch the popup repaints even if nothing changed, focusing that switch', async () => {
  const { view, painted } = setup([model('connected'), model('connected')]);
  await view.refresh();
  await view.refresh({ force: true, focusId: 'sw-site-gpc' });
  assert.equal(painted.length, 2);
  assert.equal(painted[1].focusId, 'sw-site-gpc');
});

test('a slow load that ends after a newer one does not paint over it', async () => {
  let release;
  const slow = () => new Promise((r) => { release = () => r(model('connecting')); });
  const { view, painted } = setup([slow, model('connected')]);
  const first = view.refresh();
  await view.refresh();
  release();
  await first;
  assert.deepEqual(painted.map((p) => p.state), ['connected']);
});

/** A load that waits until its `release` is called. */
function held(m) {
  const h = {};
  h.load = () => new Promise((r) => { h.release = () => r(m); });
  return h;
}

test('a look under way when a switch is flipped does not paint the old value back', async () => {
  const before = model('connected', 1);
  // popup_state answered before set_choice was applied: the count moved (so it would be
  // painted), the switch still holds its old value.
  const stale = held(model('connected', 5));
  const { view, painted, timers, fire } = setup([before, stale.load, model('connected', 2)]);
  await view.refresh();
  await fire(); // the 2 s look starts; its answer is still on its way
  let save;
  const flipped = view.change(() => new Promise((r) => { save = r; }), { focusId: 'sw-site-gpc' });
  assert.equal(timers.size, 0, 'no look while the switch is being saved');
  stale.release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(painted.map((p) => p.total), [1], 'the old answer is not painted');
  save({ synced: true });
  assert.deepEqual(await flipped, { synced: true });
  assert.deepEqual(painted.map((p) => p.total), [1, 2]);
  assert.equal(painted[1].focusId, 'sw-site-gpc');
  assert.equal(timers.size, 1, 'looking again after the save');
});

test('a look asked for while a switch is being saved (the retry button) waits for the save', async () => {
  const { view, painted } = setup([model('connected', 1), model('connected', 5), model('connected', 2)]);
  await view.refresh();
  let save;
  const flipped = view.change(() => new Promise((r) => { save = r; }));
  await view.refresh();
  assert.deepEqual(painted.map((p) => p.total), [1]);
  save();
  await flipped;
  assert.deepEqual(painted.map((p) => p.total), [1, 2]);
});

test('two switches flipped quickly: one repaint, after both are saved, focusing the last', async () => {
  const { view, painted } = setup([model('connected', 1), model('connected', 3)]);
  await view.refresh();
  const saves = [];
  const first = view.change(() => new Promise((r) => saves.push(r)), { focusId: 'sw-a' });
  const second = view.change(() => new Promise((r) => saves.push(r)), { focusId: 'sw-b' });
  saves[0]();
  await first;
  assert.equal(painted.length, 1, 'the first save alone does not repaint: the second is pending');
  saves[1]();
  await second;
  assert.deepEqual(painted.map((p) => [p.total, p.focusId]), [[1, undefined], [3, 'sw-b']]);
});

test('a failed save still repaints what the background holds', async () => {
  const { view, painted } = setup([model('connected', 1), model('connected', 1)]);
  await view.refresh();
  const failing = async () => {
    throw new Error('host gone');
  };
  await assert.rejects(view.change(failing, { focusId: 'sw-x' }), /host gone/);
  assert.deepEqual(painted.map((p) => p.focusId), [undefined, 'sw-x']);
});

test('a failed load keeps what is shown and looks again later', async () => {
  const { view, painted, timers, fire } = setup([model('degraded'), new Error('background restarting'), model('connected')]);
  await view.refresh();
  await fire(); // the load fails: no paint, one more look scheduled
  assert.deepEqual(painted.map((p) => p.state), ['degraded']);
  assert.equal([...timers.values()][0].ms, REFRESH_MS.steady);
  await fire();
  assert.deepEqual(painted.map((p) => p.state), ['degraded', 'connected']);
});

test('a closed popup stops looking', async () => {
  const { view, timers } = setup([model('connecting'), model('connected')]);
  await view.refresh();
  assert.equal(timers.size, 1);
  view.stop();
  assert.equal(timers.size, 0);
  await view.refresh();
  assert.equal(timers.size, 0, 'nothing scheduled after stop');
});

test('refreshDelay: soon while connecting, slower otherwise', () => {
  assert.equal(refreshDelay(model('connecting')), REFRESH_MS.connecting);
  for (const s of ['connected', 'degraded', 'idle']) assert.equal(refreshDelay(model(s)), REFRESH_MS.steady);
  assert.equal(refreshDelay(undefined), REFRESH_MS.steady);
});
