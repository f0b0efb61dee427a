// The one HTTP policy: CORS, the JSON error body (koa and raw node answers alike), timeouts, the shown address.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import inject, { type InjectOptions } from 'light-my-request';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { errorBody, statusFor, writeJsonError } from '../../../src/http/error-response.js';
import { CORS_HEADERS, SERVER_TIMEOUTS, applyServerTimeouts, corsHeadersFor, displayUrl, isCorsPath, preflightHeaders } from '../../../src/http/http-policy.js';
import { errorCode, harness } from './http-harness.js';

describe('CORS', () => {
  it('opens /hls and /api, nothing else', () => {
    for (const p of ['/hls/live/index.m3u8', '/api/status', '/api/admin/title']) assert.equal(isCorsPath(p), true, p);
    for (const p of ['/', '/index.html', '/offline-image', '/healthz', '/metrics', '/vendor/hls.worker.js', '/hlsx', '/apix']) assert.equal(isCorsPath(p), false, p);
    assert.deepEqual(corsHeadersFor('/hls/live/a.ts?x=1'), CORS_HEADERS);
    assert.deepEqual(corsHeadersFor('/'), {});
    assert.deepEqual(corsHeadersFor(undefined), {});
    assert.equal(CORS_HEADERS['Access-Control-Allow-Origin'], '*');
    assert.ok(!Object.keys(CORS_HEADERS).some((k) => /credentials/i.test(k)), 'never credentials');
  });

  it('answers a preflight with the headers asked for, or the default ones', () => {
    assert.equal(preflightHeaders('GET', 'range', 'Range')['Access-Control-Allow-Headers'], 'range');
    assert.equal(preflightHeaders('GET', undefined, 'Range')['Access-Control-Allow-Headers'], 'Range');
    assert.equal(preflightHeaders('GET', '', 'Range')['Access-Control-Allow-Headers'], 'Range');
    assert.equal(preflightHeaders('GET, HEAD', 'x', 'y')['Access-Control-Allow-Methods'], 'GET, HEAD');
  });
});

describe('error answers', () => {
  it('map codes to statuses in one table; a restarting main process is a retryable 503', () => {
    assert.equal(statusFor(ErrorCode.NotFound), 404);
    assert.equal(statusFor(ErrorCode.MethodNotAllowed), 405);
    assert.equal(statusFor(ErrorCode.SourceUnavailable), 503);
    assert.equal(statusFor(ErrorCode.Internal), 500);
  });

  it('writeJsonError: the same body as the koa routes, with CORS where the path is open (as an edge worker answers)', async () => {
    const err = new SharecastError(ErrorCode.SourceUnavailable, 'the server is restarting');
    const dispatch = (options: InjectOptions) => inject((req, res) => writeJsonError(res, err, { ...corsHeadersFor(req.url), 'Retry-After': '1' }), options);
    const hls = await dispatch({ url: '/hls/live/index.m3u8' });
    assert.equal(hls.statusCode, 503);
    assert.deepEqual(hls.json(), errorBody(err));
    assert.deepEqual(hls.json(), { error: { code: 'source_unavailable', message: 'the server is restarting' } });
    assert.equal(hls.headers['retry-after'], '1');
    assert.equal(hls.headers['cache-control'], 'no-cache');
    assert.equal(hls.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(hls.headers['content-length']), Buffer.byteLength(hls.body));
    assert.equal(hls.headers['access-control-allow-origin'], '*');
    const page = await dispatch({ url: '/' });
    assert.equal(page.statusCode, 503);
    assert.equal(page.headers['access-control-allow-origin'], undefined);

    // The koa side writes the same body for the same code.
    const koa = await harness().request({ url: '/api/nope' });
    assert.deepEqual(koa.json(), errorBody(new SharecastError(ErrorCode.NotFound, 'not found')));
    assert.equal(errorCode(koa), 'not_found');
  });
});

describe('server policy', () => {
  it('applies one set of timeouts (keep-alive longer than proxies, slow headers cut)', () => {
    const server = applyServerTimeouts(createServer());
    assert.equal(server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveTimeout);
    assert.equal(server.headersTimeout, SERVER_TIMEOUTS.headersTimeout);
    assert.equal(server.requestTimeout, SERVER_TIMEOUTS.requestTimeout);
    assert.ok(SERVER_TIMEOUTS.keepAliveTimeout > 60_000);
    assert.ok(SERVER_TIMEOUTS.headersTimeout < SERVER_TIMEOUTS.requestTimeout);
  });

  it('shows the address a person can open', () => {
    assert.equal(displayUrl('0.0.0.0', 8080), 'http://localhost:8080');
    assert.equal(displayUrl('::', 8080), 'http://localhost:8080');
    assert.equal(displayUrl('127.0.0.1', 1), 'http://127.0.0.1:1');
    assert.equal(displayUrl('::1', 80), 'http://[::1]:80');
    assert.equal(displayUrl('board.local', 8080), 'http://board.local:8080');
  });
});
