// The route table and the frame around it (JSON errors, CORS, 405 with
// Allow), through app.callback() with no port.
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { errorCode, harness } from './http-harness.js';

describe('the route table', () => {
  it('answers every public route, and the admin ones with the token', async () => {
    const h = harness();
    const status = await h.request({ url: '/api/status' });
    assert.equal(status.statusCode, 200);
    assert.deepEqual(status.json(), { online: false, title: 'unit stream', since: null, viewers: 0, stream: null, streams: {} });
    assert.equal((await h.request({ url: '/healthz' })).json().ok, true);
    assert.match((await h.request({ url: '/metrics' })).body, /sharecast_http_requests_total/);
    assert.deepEqual((await h.request({ url: '/api/chat' })).json(), { messages: [], chatEnabled: true });
    assert.deepEqual((await h.request({ url: '/api/viewers' })).json(), { count: 0, viewers: [] });
    assert.equal((await h.request({ url: '/offline-image' })).headers['content-type'], 'image/svg+xml');
    assert.equal((await h.admin({ url: '/api/admin/chat/bans' })).statusCode, 200);
    const title = await h.admin({ method: 'PUT', url: '/api/admin/title', payload: { title: 'New title' } });
    assert.equal(title.statusCode, 200);
    assert.deepEqual(h.titles, ['New title']);
    assert.equal(h.site.info.title, 'New title');
    assert.equal((await h.admin({ method: 'POST', url: '/api/admin/chat/disable' })).json().chatEnabled, false);
  });

  it('answers anything else with a JSON 404, never cached', async () => {
    const h = harness();
    for (const url of ['/nope', '/api/nope', '/api/', '/index.html', '/vendor/nope.js', '/api/admin/chat']) {
      const res = await (url.startsWith('/api/admin') ? h.admin({ url }) : h.request({ url }));
      assert.equal(res.statusCode, 404, url);
      assert.equal(errorCode(res), 'not_found', url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assert.match(String(res.headers['content-type']), /^application\/json/, url);
    }
  });

  it('opens /api to other sites (CORS) and answers its preflights; the page is not opened', async () => {
    const h = harness();
    const status = await h.request({ url: '/api/status', headers: { origin: 'https://example.org' } });
    assert.equal(status.headers['access-control-allow-origin'], '*');
    assert.match(String(status.headers['access-control-expose-headers']), /Content-Length/);
    const missing = await h.request({ url: '/api/nope', headers: { origin: 'https://example.org' } });
    assert.equal(missing.headers['access-control-allow-origin'], '*', 'errors under /api can be read too');
    const pre = await h.request({ method: 'OPTIONS', url: '/api/admin/title', headers: { origin: 'https://example.org', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.statusCode, 204, 'a preflight needs no token');
    assert.equal(pre.headers['access-control-allow-headers'], 'authorization, content-type');
    assert.match(String(pre.headers['access-control-allow-methods']), /PUT/);
    assert.equal(pre.headers['access-control-max-age'], '86400');
    assert.equal((await h.request({ url: '/offline-image', headers: { origin: 'https://example.org' } })).headers['access-control-allow-origin'], undefined);
  });
});

describe('methods: 405 with a correct Allow header', () => {
  const cases: Array<[string, string, string, boolean?]> = [
    ['TRACE', '/', 'GET, HEAD, OPTIONS'],
    ['PROPFIND', '/', 'GET, HEAD, OPTIONS'],
    ['POST', '/index.html', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/vendor/hls.min.mjs', 'GET, HEAD, OPTIONS'],
    ['TRACE', '/api/status', 'GET, HEAD, OPTIONS'],
    ['PROPFIND', '/api/status', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/status', 'GET, HEAD, OPTIONS'],
    ['MKCOL', '/healthz', 'GET, HEAD, OPTIONS'],
    ['PUT', '/metrics', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/chat', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/viewers', 'GET, HEAD, OPTIONS'],
    ['POST', '/offline-image', 'GET, HEAD, OPTIONS'],
    ['GET', '/api/admin/chat/hide', 'POST, OPTIONS', true],
    ['TRACE', '/api/admin/chat/ban', 'POST, OPTIONS', true],
    ['POST', '/api/admin/title', 'PUT, OPTIONS', true],
    ['POST', '/api/admin/offline-image', 'GET, HEAD, PUT, DELETE, OPTIONS', true],
    ['PATCH', '/api/admin/chat/bans', 'GET, HEAD, OPTIONS', true],
  ];
  for (const [method, url, allow, admin] of cases) {
    it(`${method} ${url}${admin ? ' (with the token)' : ''}: 405, Allow: ${allow}`, async () => {
      const h = harness();
      const res = await (admin ? h.admin({ method, url }) : h.request({ method, url }));
      assert.equal(res.statusCode, 405, res.body);
      assert.equal(res.headers['allow'], allow);
      assert.equal(errorCode(res), 'method_not_allowed');
    });
  }

  it('OPTIONS outside /api lists the methods with 204; an unknown /api path stays 404 whatever the method', async () => {
    const h = harness();
    const opt = await h.request({ method: 'OPTIONS', url: '/healthz' });
    assert.equal(opt.statusCode, 204);
    assert.equal(opt.headers['allow'], 'GET, HEAD, OPTIONS');
    for (const method of ['TRACE', 'PROPFIND', 'POST', 'GET']) {
      const res = await h.request({ method, url: '/api/no-such-thing' });
      assert.equal(res.statusCode, 404, method);
      assert.equal(res.headers['allow'], undefined, method);
    }
  });

  it('never answers 5xx (nor 501) to any method on any path (fast-check)', async () => {
    const h = harness();
    const known = ['/', '/api/status', '/api/chat', '/api/viewers', '/api/admin/chat/ban', '/api/admin/title', '/api/admin/offline-image', '/offline-image', '/healthz', '/metrics', '/vendor/hls.worker.js', '/embed/video', '/ws', '/api/admin', '/hls/live/index.m3u8', '/hls/x/y.ts'];
    // Every method node's HTTP parser lets through (it answers 400 to any other token).
    const method = fc.constantFrom(...METHODS);
    const segment = fc.oneof(fc.constantFrom('..', '.', '%2e%2e', '%00', '%', '%zz', 'index.html', 'a b', '%F0%9F%98%80', '~', '__proto__', 'constructor'), fc.string({ maxLength: 12 }).map(encodeURIComponent));
    const path = fc.tuple(fc.constantFrom(...known), fc.array(segment, { maxLength: 3 }), fc.option(fc.string({ maxLength: 10 }).map((q) => `?${encodeURIComponent(q)}`)))
      .map(([base, rest, query]) => `${[base.replace(/\/$/, ''), ...rest].join('/') || '/'}${query ?? ''}`);
    await fc.assert(
      fc.asyncProperty(method, path, fc.boolean(), async (m, url, withToken) => {
        const res = await (withToken ? h.admin({ method: m, url }) : h.request({ method: m, url }));
        assert.ok(res.statusCode < 500, `${m} ${url} -> ${res.statusCode} ${res.body}`);
        if (res.statusCode === 405) {
          const allow = String(res.headers['allow'] ?? '');
          assert.match(allow, /^[A-Z]+(, [A-Z]+)*$/, `${m} ${url}: Allow "${allow}"`);
          assert.ok(!allow.split(', ').includes(m), `${m} ${url}: 405 but Allow lists ${m}`);
        }
      }),
      { numRuns: 400 },
    );
  });
});
