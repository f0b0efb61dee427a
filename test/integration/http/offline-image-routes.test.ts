// The offline image over HTTP with the real store: the page's GET, the admin's PUT/DELETE
// checked by content, persistence across a restart. (Routing alone: test/unit/http/offline-image-routes.test.ts.)
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startRelay, type Relay } from '../../helpers/relay.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb]), Buffer.alloc(100, 1)]);

describe('offline image routes', () => {
  let relay: Relay;
  before(async () => {
    relay = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
  });
  after(async () => relay?.stop());

  test('GET /offline-image is the built-in SVG at first, safe to open directly', async () => {
    const res = await relay.get('/offline-image');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<svg/);
    const etag = res.headers.get('etag');
    assert.ok(etag);
    // node:http, not fetch: fetch adds "Cache-Control: no-cache" to conditional requests.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpGet(`${relay.url}/offline-image`, { headers: { 'If-None-Match': etag } }, (r) => {
        r.resume();
        resolve(r.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 304);
  });

  test('refuses what is not PNG/JPEG/WebP (whatever the Content-Type says), empty and oversized bodies', async () => {
    const cases: Array<[BodyInit, Record<string, string>, number, string]> = [
      ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', { 'Content-Type': 'image/png' }, 415, 'unsupported_media_type'],
      ['GIF89a', { 'Content-Type': 'image/gif' }, 415, 'unsupported_media_type'],
      [new Uint8Array(0), { 'Content-Type': 'image/png' }, 400, 'bad_request'],
      [Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), { 'Content-Type': 'image/png' }, 413, 'payload_too_large'],
    ];
    for (const [body, headers, status, code] of cases) {
      const res = await relay.get('/api/admin/offline-image', { method: 'PUT', headers: { ...auth, ...headers }, body });
      assert.equal(res.status, status, code);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, code);
    }
    assert.equal((await relay.get('/offline-image')).headers.get('content-type'), 'image/svg+xml');
  });

  test('PUT stores the image; the page gets it with its sniffed type; DELETE goes back', async () => {
    const put = await relay.get('/api/admin/offline-image', { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: JPEG });
    assert.equal(put.status, 200);
    const info = (await put.json()) as { origin: string; contentType: string; bytes: number };
    assert.deepEqual([info.origin, info.contentType, info.bytes], ['uploaded', 'image/jpeg', JPEG.byteLength]);
    const got = await relay.get('/offline-image');
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), JPEG);

    const meta = await relay.get('/api/admin/offline-image', { headers: auth });
    assert.equal(((await meta.json()) as { origin: string }).origin, 'uploaded');

    const del = await relay.get('/api/admin/offline-image', { method: 'DELETE', headers: auth });
    assert.equal(del.status, 200);
    assert.equal((await relay.get('/offline-image')).headers.get('content-type'), 'image/svg+xml');
  });
});

describe('offline image persistence', () => {
  test('an uploaded image survives a restart with the same data dir', async () => {
    const first = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
    try {
      const put = await first.get('/api/admin/offline-image', { method: 'PUT', headers: auth, body: PNG });
      assert.equal(put.status, 200);
      await put.arrayBuffer();
    } finally {
      await first.close();
    }
    const second = await startRelay(['--source', 'demo', '--admin-token', TOKEN, '--data', first.dataDir]);
    try {
      const got = await second.get('/offline-image');
      assert.equal(got.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);
    } finally {
      await second.stop();
      await first.stop().catch(() => {});
    }
  });
});
