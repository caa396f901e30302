import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GpcDeclarations, parseDeclaration } from '../../extension/background/gpc-declaration.js';
import { FakeClock, FakeStorage, fakeFetch } from './fakes.mjs';

function setup(table) {
  const clock = new FakeClock();
  const fetch = fakeFetch(table);
  const reported = [];
  const storage = new FakeStorage();
  const g = new GpcDeclarations({ storage, fetch, now: clock.now, report: async (e) => reported.push(e) });
  return { clock, fetch, reported, g, storage };
}

describe('/.well-known/gpc.json', () => {
  it('parses only objects with a boolean gpc', () => {
    assert.deepEqual(parseDeclaration('{"gpc": true, "lastUpdate": "2026-01-01"}'), { gpc: true, lastUpdate: '2026-01-01' });
    assert.equal(parseDeclaration('{"gpc": "yes"}'), null);
    assert.equal(parseDeclaration('<html>'), null);
    assert.equal(parseDeclaration('[true]'), null);
  });

  it('fetches at most once per site per day, and again the next day', async () => {
    const { g, fetch, reported, clock } = setup({ 'https://www.news.example/.well-known/gpc.json': { status: 200, body: '{"gpc": true}' } });
    const first = await g.check('https://www.news.example/article/1');
    assert.equal(first.status, 'found');
    assert.deepEqual(first.declaration, { gpc: true });
    await g.check('https://www.news.example/article/2');
    await g.check('https://news.example/');
    assert.equal(fetch.calls.length, 1, 'same site, same day');
    assert.deepEqual(reported, [{ type: 'gpc_json', site: 'news.example', day: '2026-11-29', status: 'found', declaration: { gpc: true } }]);
    await clock.advance(24 * 3600 * 1000);
    await g.check('https://www.news.example/');
    assert.equal(fetch.calls.length, 2);
    assert.equal(reported.at(-1).day, '2026-11-30');
  });

  it('fetches once for concurrent page loads of one site', async () => {
    const { g, fetch } = setup({ 'https://a.example/.well-known/gpc.json': { status: 200, body: '{"gpc": false}' } });
    await Promise.all([g.check('https://a.example/1'), g.check('https://a.example/2'), g.check('https://a.example/3')]);
    assert.equal(fetch.calls.length, 1);
  });

  it('records absent (404) and error outcomes, and remembers them for the popup', async () => {
    const { g, reported } = setup({
      'https://b.example/.well-known/gpc.json': { status: 500, body: '' },
      'http://c.example:8080/.well-known/gpc.json': { status: 200, body: 'not json' },
    });
    await g.check('https://a.example/');
    await g.check('https://b.example/');
    await g.check('http://c.example:8080/page');
    assert.deepEqual(reported.map((e) => [e.site, e.status]), [['a.example', 'absent'], ['b.example', 'error'], ['c.example', 'error']]);
    assert.equal((await g.forUrl('https://www.a.example/x')).status, 'absent');
    assert.equal(await g.forUrl('https://d.example/'), null);
  });

  it('ignores non-web pages', async () => {
    const { g, fetch } = setup({});
    assert.equal(await g.check('about:blank'), null);
    assert.equal(await g.check('chrome://settings'), null);
    assert.equal(fetch.calls.length, 0);
  });
});
