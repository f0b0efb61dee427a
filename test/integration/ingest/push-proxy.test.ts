// Push ingest from beyond the LAN: ffmpeg pushes over https to a real nginx that terminates
// TLS (a self-signed certificate made with openssl, checked by ffmpeg against it) and passes
// the uploads on to sharecast as they come (proxy_request_buffering off, HTTP/1.1), in both
// modes. sharecast takes the client's address from X-Forwarded-For only with --trust-proxy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { startIngestProxy, type IngestProxy } from '../../helpers/ingest-proxy.js';
import { PUSH_KEY, rawUpload, startPushRelay, type PushRelay } from '../../helpers/push-relay.js';
import { parseRelayPlaylist } from '../../helpers/relay.js';
import { makeSelfSigned, type SelfSigned } from '../../helpers/tls.js';
import { waitFor } from '../../helpers/wait.js';

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
/** nginx connects to sharecast from here, so its own address differs from the client's (127.0.0.1). */
const PROXY_ADDRESS = '127.0.0.5';

describe('push ingest through nginx with TLS', { timeout: 150_000 }, () => {
  let dir: string;
  let tls: SelfSigned;
  let relay: PushRelay;
  let nginx: IngestProxy;
  const obs: Obs[] = [];

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-push-proxy-'));
    tls = makeSelfSigned();
    relay = await startPushRelay(['--source', 'live=push', '--source', 'll=push', '--trust-proxy']);
    nginx = await startIngestProxy({ upstream: relay.url, cert: tls.cert, key: tls.key, bindAddress: PROXY_ADDRESS });
  });

  after(async () => {
    for (const o of obs) await o.kill();
    await nginx?.stop();
    await relay?.stop();
    tls?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('relays ffmpeg\'s hls muxer pushing over https, and sees the client\'s address through X-Forwarded-For', async () => {
    const o = startObs({ dir, pushUrl: `${nginx.url}/ingest/live/${PUSH_KEY}`, caFile: tls.cert, listSize: 6 });
    obs.push(o);
    const pl = await waitFor('segments through nginx', async () => {
      const r = await relay.text('/hls/live/index.m3u8');
      const p = r.status === 200 ? parseRelayPlaylist(r.text) : undefined;
      return p && p.segments.length >= 3 ? p : undefined;
    }, 40_000).catch((err: Error) => {
      throw new Error(`${err.message}\nffmpeg: ${o.stderr()}\nnginx: ${nginx.nginx.errors()}`);
    });
    for (const s of pl.segments) assert.equal((await relay.bytes(`/hls/live/${s.uri}`)).status, 200);
    const live = (await relay.adminPush()).streams.find((s) => s.name === 'live');
    assert.equal(live?.pusher?.address, '127.0.0.1', `the client's address from X-Forwarded-For, not nginx's ${PROXY_ADDRESS}`);
    assert.ok(!nginx.nginx.errors().includes(PUSH_KEY) && !nginx.accessLog().includes(PUSH_KEY), 'nginx logs no URL of /ingest (access_log off there)');
  });

  it('passes a chunked upload on as it comes: LL-HLS parts from ffmpeg\'s dash muxer over https', async () => {
    const o = startObs({ dir, muxer: 'dash', pushUrl: `${nginx.url}/ingest/ll/${PUSH_KEY}`, caFile: tls.cert });
    obs.push(o);
    const text = await waitFor('parts through nginx', async () => {
      const r = await relay.text('/hls/ll/media-0.m3u8');
      // A complete segment listed with its parts.
      return r.status === 200 && /#EXT-X-PART:[^\n]*\n(?:#EXT-X-PART:[^\n]*\n)*#EXTINF:/.test(r.text) ? r.text : undefined;
    }, 40_000).catch((err: Error) => {
      throw new Error(`${err.message}\nffmpeg: ${o.stderr()}\nnginx: ${nginx.nginx.errors()}`);
    });
    // Parts at all show that nginx passed each segment on as it came: a segment that arrives whole
    // is never seen growing chunk by chunk, and the relay would stay with classic HLS.
    // Every complete segment with parts is exactly its parts.
    const lines = text.split('\n');
    let parts: string[] = [];
    let checked = 0;
    for (const line of lines) {
      if (line.startsWith('#EXT-X-PART:')) parts.push(/URI="([^"]+)"/.exec(line)?.[1] ?? '');
      else if (line !== '' && !line.startsWith('#')) {
        if (parts.length > 0) {
          const whole = await relay.bytes(`/hls/ll/${line}`);
          const pieces = await Promise.all(parts.map((p) => relay.bytes(`/hls/ll/${p}`)));
          assert.equal(sha(Buffer.concat(pieces.map((p) => p.bytes))), sha(whole.bytes));
          checked += 1;
        }
        parts = [];
      }
    }
    assert.ok(checked >= 1);
    const ll = (await relay.adminPush()).streams.find((s) => s.name === 'll');
    assert.equal(ll?.pusher?.address, '127.0.0.1');
  });

  it('takes X-Forwarded-For as it comes without --trust-proxy: a forged one does not change the address', async () => {
    const direct = await startPushRelay();
    try {
      const r = await rawUpload(`${direct.ingestUrl()}/stream.m3u8`, { body: '#EXTM3U\n', headers: { 'X-Forwarded-For': '203.0.113.7' }, localAddress: '127.0.0.6' });
      assert.equal(r.status, 201);
      assert.equal((await direct.adminPush()).streams[0]?.pusher?.address, '127.0.0.6');
    } finally {
      await direct.stop();
    }
  });
});
