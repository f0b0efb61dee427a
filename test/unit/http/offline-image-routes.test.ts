// The offline image routes with an in-memory store: who may change it, which
// methods each path takes, conditional GET, and the size cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCode, harness } from './http-harness.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

describe('offline image routes', () => {
  it('GET /offline-image: the current image, safe to open directly, with a working ETag', async () => {
    const h = harness();
    const res = await h.request({ url: '/offline-image' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    const again = await h.request({ url: '/offline-image', headers: { 'if-none-match': String(res.headers['etag']) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const head = await h.request({ method: 'HEAD', url: '/offline-image' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  });

  it('only GET and HEAD on /offline-image', async () => {
    const h = harness();
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const res = await h.request({ method, url: '/offline-image', payload: PNG });
      assert.equal(res.statusCode, 405, method);
      assert.equal(res.headers['allow'], 'GET, HEAD, OPTIONS');
    }
    assert.equal(h.images.current().origin, 'builtin');
  });

  it('the admin routes need the token', async () => {
    const h = harness();
    for (const [method, headers] of [
      ['PUT', {}],
      ['PUT', { authorization: 'Bearer wrong-token-wrong-token' }],
      ['DELETE', {}],
      ['GET', {}],
    ] as const) {
      const res = await h.request({ method, url: '/api/admin/offline-image', headers, ...(method === 'PUT' ? { payload: PNG } : {}) });
      assert.equal(res.statusCode, 401, `${method} ${JSON.stringify(headers)}`);
      assert.equal(errorCode(res), 'unauthorized');
    }
    assert.equal(h.images.current().origin, 'builtin');
  });

  it('PUT stores, GET describes, DELETE goes back; empty and oversized bodies are refused', async () => {
    const h = harness();
    const put = await h.admin({ method: 'PUT', url: '/api/admin/offline-image', payload: PNG, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual([put.json().origin, put.json().bytes, put.headers['cache-control']], ['uploaded', PNG.byteLength, 'no-cache']);
    assert.deepEqual(Buffer.from((await h.request({ url: '/offline-image' })).rawPayload), PNG);
    assert.equal((await h.admin({ url: '/api/admin/offline-image' })).json().origin, 'uploaded');
    assert.equal((await h.admin({ method: 'DELETE', url: '/api/admin/offline-image' })).json().origin, 'builtin');

    const empty = await h.admin({ method: 'PUT', url: '/api/admin/offline-image', payload: Buffer.alloc(0) });
    assert.deepEqual([empty.statusCode, errorCode(empty)], [400, 'bad_request']);
    const big = await h.admin({ method: 'PUT', url: '/api/admin/offline-image', payload: Buffer.alloc(h.images.maxBytes + 1) });
    assert.deepEqual([big.statusCode, errorCode(big)], [413, 'payload_too_large']);
    assert.equal(h.images.current().origin, 'builtin');
  });
});
