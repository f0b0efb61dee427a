import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/errors.js';
import { AuthBackoff } from '../../../src/http/ingest-auth.js';
import { createIngestHandler, type FloorRate } from '../../../src/http/ingest-handler.js';
import { PushSource } from '../../../src/ingest/push/push-source.js';
import { capturingLogger } from '../../fakes/capturing-logger.js';
import { nullLogger } from '../../fakes/null-logger.js';

const KEY = 'unit-push-key-0123456789';

/** An upload as the handler reads it: a request that emits its body when told to. */
class FakeUpload extends EventEmitter {
  complete = false;
  destroyed = false;
  readonly socket: { remoteAddress: string; destroy: () => void };
  constructor(
    readonly url: string,
    readonly method: string,
    readonly headers: Record<string, string>,
    remoteAddress: string,
  ) {
    super();
    this.socket = { remoteAddress, destroy: () => (this.destroyed = true) };
  }
  resume(): this {
    return this;
  }
  send(chunk: string | Buffer): void {
    this.emit('data', Buffer.from(chunk));
  }
  finish(): void {
    this.complete = true;
    this.emit('end');
    this.emit('close');
  }
  breakOff(): void {
    this.emit('close');
  }
}

/** What was answered. */
class Answer extends EventEmitter {
  statusCode = 0;
  headersSent = false;
  headers: Record<string, string> = {};
  body = '';
  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    this.headersSent = true;
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = String(v);
    return this;
  }
  end(chunk?: string): this {
    if (chunk !== undefined) this.body += chunk;
    this.emit('finish');
    return this;
  }
  get json(): { error: { code: string; message: string } } {
    return JSON.parse(this.body) as { error: { code: string; message: string } };
  }
}

function rig(o: { trustProxy?: boolean; floor?: FloorRate; maxFileBytes?: number } = {}) {
  const { logger, text: logs } = capturingLogger('trace');
  const source = new PushSource({ name: 'live', logger: nullLogger, maxFileBytes: o.maxFileBytes ?? 1 << 20, maxBytes: 4 << 20, offlineAfterSeconds: 6 });
  const handler = createIngestHandler({
    streams: new Map([['live', source]]),
    keys: { get: (n) => (n === 'live' ? KEY : undefined) },
    trustProxy: o.trustProxy ?? false,
    logger,
    metrics: { request: () => undefined },
    backoff: new AuthBackoff({ freeFailures: 3 }),
    ...(o.floor ? { floor: o.floor } : {}),
  });
  const request = (url: string, o2: { method?: string; headers?: Record<string, string>; from?: string } = {}) => {
    const req = new FakeUpload(url, o2.method ?? 'PUT', o2.headers ?? {}, o2.from ?? '127.0.0.1');
    const res = new Answer();
    const handled = handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    return { req, res, handled };
  };
  /** A whole upload: the body in one chunk, then its end. */
  const put = (url: string, body: string, o2: { headers?: Record<string, string>; from?: string; method?: string } = {}) => {
    const r = request(url, o2);
    if (r.res.statusCode === 0) {
      r.req.send(body);
      r.req.finish();
    }
    return r.res;
  };
  return { source, request, put, logs };
}

describe('the /ingest handler', () => {
  it('leaves every other path to the rest of the app, and answers anything under /ingest itself (404), however spelled', () => {
    assert.equal(rig().request('/hls/live/index.m3u8').handled, false);
    assert.equal(rig().request('/api/status').handled, false);
    for (const url of [`/Ingest/live/${KEY}/stream.m3u8`, `/ingest%2Flive/${KEY}/stream.m3u8`, '/ingest', '/ingest?x=1']) {
      const { res, handled } = rig().request(url);
      assert.equal(handled, true, url);
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes(KEY));
    }
  });

  it('stores an upload whole (201, then 204 when replaced) and the stream reads it', async () => {
    const { put, source } = rig();
    assert.equal(put(`/ingest/live/${KEY}/stream0.ts`, 'segment bytes').statusCode, 201);
    assert.equal(put(`/ingest/live/${KEY}/stream0.ts?x=1`, 'segment bytes 2', { method: 'POST' }).statusCode, 204);
    assert.equal(Buffer.from(await source.readSegment('stream0.ts')).toString(), 'segment bytes 2');
    assert.equal(put(`/ingest/live/${KEY}/stream0.ts`, '', { method: 'DELETE' }).statusCode, 204);
    await assert.rejects(source.readSegment('stream0.ts'));
  });

  it('takes the key as the password of Basic auth too', async () => {
    const { put, source } = rig();
    const auth = { authorization: `Basic ${Buffer.from(`obs:${KEY}`).toString('base64')}` };
    assert.equal(put('/ingest/live/stream1.ts', 'b', { headers: auth }).statusCode, 201);
    assert.equal(Buffer.from(await source.readSegment('stream1.ts')).toString(), 'b');
  });

  it('never publishes an upload that broke off', async () => {
    const { request, source } = rig();
    const { req, res } = request(`/ingest/live/${KEY}/cut.ts`);
    req.send('half of it');
    req.breakOff();
    assert.equal(res.statusCode, 0);
    await assert.rejects(source.readSegment('cut.ts'));
  });

  it('answers unknown streams 404 and other methods 405, before any key is looked at', () => {
    const { put } = rig();
    const nf = put('/ingest/other/KEY/x.ts', 'x');
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json.error.code, ErrorCode.NotFound);
    const get = put(`/ingest/live/${KEY}/stream.m3u8`, '', { method: 'GET' });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers['allow'], 'PUT, POST, DELETE');
  });

  it('answers a missing or wrong key 401 with a Basic challenge, then backs off that address with 429', () => {
    const { put } = rig();
    const missing = put('/ingest/live/stream.m3u8', 'x');
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json.error.code, ErrorCode.PushKeyInvalid);
    assert.match(missing.headers['www-authenticate'] ?? '', /^Basic realm="sharecast ingest"/);
    for (let i = 0; i < 4; i++) assert.equal(put('/ingest/live/wrong-key-0123456789/stream.m3u8', 'x').statusCode, 401, `wrong key ${i + 1}`);
    const blocked = put(`/ingest/live/${KEY}/stream.m3u8`, 'x');
    assert.equal(blocked.statusCode, 429, 'even the right key waits');
    assert.equal(blocked.json.error.code, ErrorCode.PushBackoff);
    assert.equal(blocked.headers['retry-after'], '1');
    assert.equal(put(`/ingest/live/${KEY}/stream.m3u8`, 'x', { from: '127.0.0.2' }).statusCode, 201, 'another address is not held back');
  });

  it('refuses names outside the stream (400) and other file types (415), once the key is right', () => {
    const { put } = rig();
    for (const path of ['../x.ts', '%2e%2e/x.ts', '.hidden.ts', 'a//b.ts', 'a%2fb.ts']) {
      const res = put(`/ingest/live/${KEY}/${path}`, 'x');
      assert.equal(res.statusCode, 400, path);
      assert.equal(res.json.error.code, ErrorCode.PushPathInvalid);
    }
    const exe = put(`/ingest/live/${KEY}/x.exe`, 'x');
    assert.equal(exe.statusCode, 415);
    assert.equal(exe.json.error.code, ErrorCode.PushTypeInvalid);
    assert.equal(put('/ingest/live/wrong-key-0123456789/x.exe', 'x').statusCode, 401, 'without the key, only 401');
  });

  it('refuses a body over the file cap: at once when declared, as soon as it grows past it when chunked', async () => {
    const { put, request, source } = rig({ maxFileBytes: 1024 * 1024 });
    const declared = put(`/ingest/live/${KEY}/big.ts`, 'x', { headers: { 'content-length': String(2 * 1024 * 1024) } });
    assert.equal(declared.statusCode, 413);
    assert.equal(declared.json.error.code, ErrorCode.PushTooLarge);
    const { req, res } = request(`/ingest/live/${KEY}/big2.ts`);
    req.send(Buffer.alloc(1024 * 1024));
    assert.equal(res.statusCode, 0);
    req.send(Buffer.alloc(1));
    assert.equal(res.statusCode, 413);
    req.finish();
    await assert.rejects(source.readSegment('big2.ts'));
  });

  it('cuts off an upload slower than the floor rate (408) and closes its connection', async () => {
    const { request, source } = rig({ floor: { bytesPerSecond: 1000, windowMs: 40 } });
    const { req, res } = request(`/ingest/live/${KEY}/slow.ts`);
    req.send('a few bytes');
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(res.statusCode, 408);
    assert.equal(res.json.error.code, ErrorCode.PushTooSlow);
    assert.equal(res.headers['connection'], 'close');
    assert.equal(req.destroyed, true);
    await assert.rejects(source.readSegment('slow.ts'));
  });

  it('answers a second pusher 409; with --trust-proxy the address is the last of X-Forwarded-For', () => {
    const direct = rig();
    assert.equal(direct.put(`/ingest/live/${KEY}/a.ts`, 'a', { headers: { 'x-forwarded-for': '203.0.113.1' } }).statusCode, 201);
    assert.equal(direct.put(`/ingest/live/${KEY}/b.ts`, 'b', { headers: { 'x-forwarded-for': '203.0.113.2' } }).statusCode, 201, 'a forged header is no other pusher');
    const second = direct.put(`/ingest/live/${KEY}/c.ts`, 'c', { from: '127.0.0.9' });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json.error.code, ErrorCode.PushBusy);

    const proxied = rig({ trustProxy: true });
    assert.equal(proxied.put(`/ingest/live/${KEY}/a.ts`, 'a', { headers: { 'x-forwarded-for': '203.0.113.1' } }).statusCode, 201);
    assert.equal(proxied.source.pusher()?.address, '203.0.113.1');
    assert.equal(proxied.put(`/ingest/live/${KEY}/b.ts`, 'b', { headers: { 'x-forwarded-for': '203.0.113.2' } }).statusCode, 409);
  });

  it('never shows the key: not in an answer, not in a log line', () => {
    const { put, request, logs } = rig();
    const bodies = [
      put(`/ingest/live/${KEY}/../x.ts`, 'x').body,
      put(`/ingest/live/${KEY}/x.exe`, 'x').body,
      put(`/ingest/live/${KEY}/x.ts`, 'x', { method: 'GET' }).body,
      put(`/ingest/live/${KEY}/ok.ts`, 'x').body,
      put(`/ingest/live/${KEY}/b.ts`, 'x', { from: '127.0.0.3' }).body,
      put(`/ingest/live/${KEY.slice(0, -1)}/x.ts`, 'x').body,
    ];
    const { req } = request(`/ingest/live/${KEY}/broken.ts`);
    req.breakOff();
    for (const b of bodies) assert.ok(!b.includes(KEY.slice(0, 12)), b);
    assert.ok(logs().length > 0);
    assert.ok(!logs().includes(KEY.slice(0, 12)), logs());
  });
});
