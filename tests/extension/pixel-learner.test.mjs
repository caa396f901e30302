import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identifierIn, isIdentifier, pixelReason } from '../../extension/lib/pixel-heuristics.js';
import { firstPartyUrl, observationOf, PENDING_KEY, PixelLearner } from '../../extension/background/pixel-learner.js';
import { FakeClock, FakeStorage } from './fakes.mjs';

const len = (n) => [{ name: 'Content-Length', value: String(n) }];
const gif = (url, page, extra = {}) => ({
  url, type: 'image', statusCode: 200, responseHeaders: len(43), initiator: page, ...extra,
});

describe('pixel heuristics', () => {
  it('judges pixel-like responses', () => {
    assert.equal(pixelReason({ type: 'image', statusCode: 200, responseHeaders: len(43) }), 'tiny_image');
    assert.equal(pixelReason({ type: 'imageset', statusCode: 200, responseHeaders: len(100) }), 'tiny_image');
    assert.equal(pixelReason({ type: 'image', statusCode: 200, responseHeaders: len(101) }), null);
    assert.equal(pixelReason({ type: 'image', statusCode: 200, responseHeaders: [] }), null); // size unknown
    assert.equal(pixelReason({ type: 'ping', statusCode: 204 }), 'no_content');
    assert.equal(pixelReason({ type: 'beacon', statusCode: 204 }), 'no_content');
    assert.equal(pixelReason({ type: 'xmlhttprequest', statusCode: 200, responseHeaders: len(0) }), 'empty_beacon');
    assert.equal(pixelReason({ type: 'xmlhttprequest', statusCode: 200, responseHeaders: len(20) }), null);
    assert.equal(pixelReason({ type: 'image', statusCode: 404, responseHeaders: len(0) }), null);
    assert.equal(pixelReason({ type: 'image', statusCode: 302, responseHeaders: len(0) }), null);
    assert.equal(pixelReason({ type: 'script', statusCode: 204 }), null);
    assert.equal(pixelReason({ type: 'image', statusCode: 200, responseHeaders: len('4x') }), null);
  });

  it('finds identifiers and ignores cache-busters', () => {
    assert.ok(isIdentifier('a1b2c3d4'));
    assert.ok(isIdentifier('123e4567-e89b-12d3-a456-426614174000'));
    assert.ok(isIdentifier('Zm9vYmFyMTIz=='));
    assert.ok(isIdentifier('GA1.2.1234567.89'));
    assert.ok(!isIdentifier('1732870000000')); // timestamp
    assert.ok(!isIdentifier('84731295')); // random number
    assert.ok(!isIdentifier('abcdefghij')); // a word
    assert.ok(!isIdentifier('a1b2c3')); // too short
    assert.ok(!isIdentifier('a1b2 c3d4e5')); // not a token
    assert.deepEqual(identifierIn('https://px.example/p.gif?uid=a1b2c3d4e5'), { where: 'query', name: 'uid', value: 'a1b2c3d4e5' });
    assert.equal(identifierIn('https://cdn.example/img/logo2x.png?t=1732870000000'), null);
    assert.equal(identifierIn('https://cdn.example/img/spacer.gif'), null);
    assert.equal(identifierIn('not a url'), null);
    assert.equal(identifierIn('https://px.example/c/5f2b9c1e7a/p.gif').where, 'path');
  });
});

describe('observationOf', () => {
  it('keys a third-party identifier pixel by tracker domain and first-party site', () => {
    assert.deepEqual(observationOf(gif('https://a.px.example/p.gif?uid=a1b2c3d4e5', 'https://www.news.test')), {
      domain: 'px.example', site: 'news.test', url: 'https://a.px.example/p.gif?uid=a1b2c3d4e5', type: 'image',
    });
  });
  it('skips first-party, id-less, non-pixel and non-web requests', () => {
    assert.equal(observationOf(gif('https://img.news.test/p.gif?uid=a1b2c3d4e5', 'https://www.news.test')), null);
    assert.equal(observationOf(gif('https://px.example/p.gif?t=1732870000000', 'https://news.test')), null);
    assert.equal(observationOf(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://news.test', { responseHeaders: len(5000) })), null);
    assert.equal(observationOf(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'chrome-extension://x/')), null);
    assert.equal(observationOf(gif('https://px.example/p.gif?uid=a1b2c3d4e5', undefined)), null);
  });
  it('takes the top document as the first party in Firefox', () => {
    const d = { documentUrl: 'https://frame.other.test/f', frameAncestors: [{ url: 'https://frame.other.test/' }, { url: 'https://top.test/' }] };
    assert.equal(firstPartyUrl(d), 'https://top.test/');
    assert.equal(firstPartyUrl({ documentUrl: 'https://doc.test/' }), 'https://doc.test/');
  });
});

describe('PixelLearner', () => {
  function setup({ connected = true, learnOn = 3 } = {}) {
    const clock = new FakeClock();
    const calls = [];
    const sites = new Map();
    const learnedCalls = [];
    const host = { connected };
    const learner = new PixelLearner({
      timers: clock,
      hostConnected: () => host.connected,
      send: async (observations) => {
        calls.push(observations);
        const learned = [];
        for (const o of observations) {
          const s = sites.get(o.domain) ?? new Set();
          s.add(o.site);
          sites.set(o.domain, s);
          if (s.size === learnOn) learned.push({ domain: o.domain, sites: [...s].sort() });
        }
        return { accepted: observations.length, ignored: 0, learned };
      },
      onLearned: (l) => learnedCalls.push(l),
    });
    return { clock, calls, learner, learnedCalls, host };
  }

  it('batches observations off the request path and reports learned trackers', async () => {
    const { clock, calls, learner, learnedCalls } = setup();
    for (const site of ['a.test', 'b.test', 'c.test']) {
      learner.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', `https://${site}/`));
      learner.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', `https://www.${site}/`)); // same pair
    }
    assert.equal(calls.length, 0, 'nothing sent on the request path');
    await clock.advance(1000);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].length, 3);
    assert.deepEqual(learnedCalls, [[{ domain: 'px.example', sites: ['a.test', 'b.test', 'c.test'] }]]);
    // A pair already sent is not sent again.
    learner.observe(gif('https://px.example/p.gif?uid=zz99yy88xx', 'https://a.test/'));
    await clock.advance(1000);
    assert.equal(calls.length, 1);
  });

  it('keeps observations while the host is away and sends them on flush', async () => {
    const { clock, calls, learner, host } = setup({ connected: false });
    learner.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://a.test/'));
    await clock.advance(1000);
    assert.equal(calls.length, 0);
    assert.equal(learner.pending.size, 1);
    host.connected = true;
    const r = await learner.flush();
    assert.equal(r.sent, 1);
    assert.equal(learner.pending.size, 0);
  });

  it('keeps a batch the host failed to take, drops one it refused', async () => {
    const clock = new FakeClock();
    let fail = { code: 'host_disconnected' };
    const learner = new PixelLearner({
      timers: clock, hostConnected: () => true,
      send: async () => {
        throw Object.assign(new Error('x'), fail);
      },
    });
    learner.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://a.test/'));
    await learner.flush();
    assert.equal(learner.pending.size, 1);
    fail = { code: 'bad_params' };
    await learner.flush();
    assert.equal(learner.pending.size, 0);
  });

  it('observations waiting for the host survive a stopped worker (storage.session) and go out on the next wake', async () => {
    const session = new FakeStorage();
    const clock = new FakeClock();
    const first = new PixelLearner({ timers: clock, storage: session, hostConnected: () => false, send: async () => assert.fail('host away') });
    first.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://a.test/'));
    first.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://b.test/'));
    await first.saving;
    assert.deepEqual(session.data[PENDING_KEY].map((o) => o.site), ['a.test', 'b.test']);
    // The worker stops (first is gone); the next wake restores and sends them.
    const calls = [];
    const next = new PixelLearner({ timers: clock, storage: session, hostConnected: () => true, send: async (o) => (calls.push(o), { learned: [] }) });
    next.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://c.test/')); // seen before the restore read
    assert.equal(await next.restore(), 2);
    const r = await next.flush();
    assert.equal(r.sent, 3);
    assert.deepEqual(calls[0].map((o) => o.site).sort(), ['a.test', 'b.test', 'c.test']);
    await next.saving;
    assert.equal(session.data[PENDING_KEY], undefined, 'nothing left waiting once the host has them');
    // A third wake finds nothing to send again.
    const third = new PixelLearner({ timers: clock, storage: session, hostConnected: () => true, send: async () => assert.fail('sent twice') });
    assert.equal(await third.restore(), 0);
  });

  it('bounded: at most maxPending observations wait, in memory and in storage; bad stored entries are skipped', async () => {
    const session = new FakeStorage({
      [PENDING_KEY]: [
        { domain: 'px.example', site: 'a.test', url: 'x'.repeat(5000) },
        null,
        { domain: 5, site: 'b.test' },
        { domain: 'px.example', site: 'c.test', url: 'https://px.example/p' },
        { domain: 'px.example', site: 'd.test', url: 'https://px.example/p' },
      ],
    });
    const clock = new FakeClock();
    const l = new PixelLearner({ timers: clock, storage: session, maxPending: 2, hostConnected: () => false, send: async () => ({}) });
    assert.equal(await l.restore(), 2);
    assert.deepEqual([...l.pending.keys()], ['px.example|a.test', 'px.example|c.test']);
    assert.equal(l.pending.get('px.example|a.test').url.length, 512);
    assert.equal(l.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://e.test/')), null, 'full');
    await l.persist();
    assert.equal(session.data[PENDING_KEY].length, 2);
  });

  it('without storage.session the observations wait in memory only', async () => {
    const clock = new FakeClock();
    const l = new PixelLearner({ timers: clock, hostConnected: () => false, send: async () => ({}) });
    l.observe(gif('https://px.example/p.gif?uid=a1b2c3d4e5', 'https://a.test/'));
    assert.equal(await l.restore(), 0);
    await l.persist();
    assert.equal(l.pending.size, 1);
  });
});
