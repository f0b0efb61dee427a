// The HTTP origin against hostile and odd requests, with the built-in demo stream.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { waitFor } from '../../helpers/wait.js';

/** Sends a raw request line (fetch would normalise it away) and returns the status code. */
function rawStatus(port: number, requestLine: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data }));
    sock.on('error', reject);
    sock.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('HTTP origin', () => {
  let relay: Relay;
  before(async () => {
    relay = await startRelay(['--source', 'demo', '--title', 'Test stream']);
    await waitFor('demo playlist', async () => ((await relay.playlist())?.segments.length ?? 0) >= 2, 10_000);
  });
  after(async () => relay?.stop());

  test('paths outside the cache are 404 and never read a file', async () => {
    const attempts = [
      '/hls/live/../../package.json',
      '/hls/live/..%2f..%2fpackage.json',
      '/hls/live/%2e%2e%2f%2e%2e%2fpackage.json',
      '/hls/live/%252e%252e%252fpackage.json',
      '/hls/..%2fpackage.json/index.m3u8',
      '/hls/live/index.m3u8%00.ts',
      '/hls/live/\\..\\package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/../package.json',
      '/hls/live/demo0.ts',
      '/hls/live/',
      '/hls/',
      '/fixtures/demo/demo0.ts',
      '/src/main.ts',
      '/%2e%2e/%2e%2e/etc/passwd',
    ];
    for (const path of attempts) {
      const r = await rawStatus(relay.port, `GET ${path} HTTP/1.1`);
      assert.ok(r.status === 404 || r.status === 400, `${path} -> ${r.status}`);
      assert.ok(!r.text.includes('"name": "sharecast"') && !r.text.includes('root:x:0'), `${path} leaked a file`);
    }
    for (const line of ['GET http://127.0.0.1/package.json HTTP/1.1', 'GET http://evil.example/hls/live/index.m3u8 HTTP/1.1', 'GET * HTTP/1.1', 'GET //etc/passwd HTTP/1.1']) {
      const r = await rawStatus(relay.port, line);
      assert.ok(r.status === 404 || r.status === 400, `${line} -> ${r.status}`);
      assert.ok(!r.text.includes('root:x:0') && !r.text.includes('"name": "sharecast"'), `${line} leaked a file`);
    }
  });

  test('methods koa-router does not know get 405 with a correct Allow over a real socket; an unknown token is 400; never 5xx', async () => {
    const cases: Array<[string, string]> = [
      ['/', 'GET, HEAD, OPTIONS'],
      ['/api/status', 'GET, HEAD, OPTIONS'],
      ['/healthz', 'GET, HEAD, OPTIONS'],
      ['/hls/live/index.m3u8', 'GET, HEAD, OPTIONS'],
    ];
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'SEARCH', 'PURGE', 'REPORT']) {
      for (const [path, allow] of cases) {
        const r = await rawStatus(relay.port, `${method} ${path} HTTP/1.1`);
        assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
        assert.equal(/\r\nAllow: ([^\r]*)\r\n/i.exec(r.text)?.[1], allow, `${method} ${path}`);
      }
      const unknown = await rawStatus(relay.port, `${method} /api/no-such-thing HTTP/1.1`);
      assert.equal(unknown.status, 404, `${method} /api/no-such-thing`);
    }
    for (const line of ['FOO / HTTP/1.1', 'get / HTTP/1.1', 'G@T / HTTP/1.1']) {
      const r = await rawStatus(relay.port, line);
      assert.equal(r.status, 400, `${line}: ${r.text}`);
    }
  });

  test('an unknown stream or segment is a JSON 404', async () => {
    for (const path of ['/hls/nope/index.m3u8', '/hls/live/nothing-1.ts', '/hls/live/index.m3u9']) {
      const res = await relay.get(path);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'not_found');
    }
  });

  test('only GET and HEAD on /hls, with CORS preflight answered', async () => {
    const post = await relay.get('/hls/live/index.m3u8', { method: 'POST' });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
    const pre = await relay.get('/hls/live/index.m3u8', { method: 'OPTIONS', headers: { Origin: 'https://example.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /GET/);
    const status = await relay.get('/api/status', { headers: { Origin: 'https://example.org' } });
    assert.equal(status.headers.get('access-control-allow-origin'), '*');
    await status.arrayBuffer();
  });

  test('an impossible range is 416; a segment HEAD has no body', async () => {
    const pl = await relay.playlist();
    const seg = pl?.segments[0]?.uri;
    assert.ok(seg);
    const res = await relay.get(`/hls/live/${seg}`, { headers: { Range: 'bytes=99999999-' } });
    assert.equal(res.status, 416);
    assert.match(res.headers.get('content-range') ?? '', /^bytes \*\/\d+$/);
    await res.arrayBuffer();
    const head = await relay.get(`/hls/live/${seg}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  test('ffprobe reads the demo stream that `npm start` serves', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', `${relay.url}/hls/live/index.m3u8`],
      { timeout: 30_000 },
    );
    assert.equal(stderr.trim(), '');
    assert.deepEqual([...new Set(stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].sort(), ['aac', 'h264']);
  });

  test('/api/status, /healthz and /metrics', async () => {
    const status = (await (await relay.get('/api/status')).json()) as Record<string, unknown> & { streams: Record<string, { online: boolean }> };
    assert.equal(status['online'], true);
    assert.equal(status['title'], 'Test stream');
    assert.equal(typeof status['since'], 'string');
    assert.equal(typeof status['viewers'], 'number');
    assert.equal(status.streams['live']?.online, true);

    const health = await relay.get('/healthz');
    assert.equal(health.status, 200);
    await health.arrayBuffer();

    const metrics = await relay.get('/metrics');
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    for (const name of ['sharecast_segments_ingested_total', 'sharecast_served_bytes_total', 'sharecast_relay_lag_seconds_bucket', 'sharecast_source_errors_total', 'sharecast_http_requests_total']) {
      assert.ok(text.includes(name), `metrics has ${name}`);
    }
    assert.match(text, /sharecast_segments_ingested_total\{stream="live"\} [1-9]/);
  });
});
