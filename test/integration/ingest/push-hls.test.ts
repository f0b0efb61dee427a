// Push ingest with ffmpeg's hls muxer (method=PUT, a persistent connection): what OBS's
// Custom Output (FFmpeg) does with "Output to URL". Real ffmpeg, real sharecast, and a
// recording pass-through between them that keeps the bytes ffmpeg sent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { PUSH_KEY, startPushRelay, type PushRelay } from '../../helpers/push-relay.js';
import { startPushTap, type PushTap } from '../../helpers/push-tap.js';
import { parseRelayPlaylist } from '../../helpers/relay.js';
import { waitFor } from '../../helpers/wait.js';

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('push ingest: ffmpeg\'s hls muxer PUTs to sharecast', { timeout: 120_000 }, () => {
  let dir: string;
  let relay: PushRelay;
  let tap: PushTap;
  let obs: Obs;
  const playlist = async (stream = 'live') => {
    const r = await relay.text(`/hls/${stream}/index.m3u8`);
    return r.status === 200 ? parseRelayPlaylist(r.text) : undefined;
  };

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-push-hls-'));
    relay = await startPushRelay(['--source', 'live=push', '--source', 'tv=push']);
    tap = await startPushTap(relay.url);
    obs = startObs({ dir, pushUrl: `${tap.url}/ingest/live/${PUSH_KEY}`, listSize: 6, flags: ['delete_segments'] });
    await waitFor('six segments in the relay', async () => ((await playlist())?.segments.length ?? 0) >= 6, 30_000);
  });

  after(async () => {
    await obs?.kill();
    await tap?.close();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves segments byte-identical to what ffmpeg uploaded, and ffprobe reads the relayed stream', async () => {
    const pl = await playlist();
    assert.ok(pl);
    const uploaded = tap.completeHashes();
    for (const s of pl.segments) {
      const seg = await relay.bytes(`/hls/live/${s.uri}`);
      assert.equal(seg.status, 200);
      assert.ok(uploaded.has(sha(seg.bytes)), `${s.uri} is byte-identical to an upload`);
    }
    // Not spawnSync: the relay answering ffprobe runs in this process.
    const probe = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', `${relay.url}/hls/live/index.m3u8`], { encoding: 'utf8', timeout: 30_000 });
    const codecs = (JSON.parse(probe.stdout) as { streams: Array<{ codec_name: string }> }).streams.map((s) => s.codec_name).sort();
    assert.deepEqual(codecs, ['aac', 'h264']);
  });

  it('takes ffmpeg\'s DELETEs (delete_segments) without losing what is published', async () => {
    await waitFor('a DELETE from ffmpeg', () => tap.uploads.some((u) => u.method === 'DELETE' && u.status === 204), 20_000);
    const pl = await playlist();
    assert.ok(pl);
    for (const s of pl.segments) assert.equal((await relay.bytes(`/hls/live/${s.uri}`)).status, 200);
    assert.ok(tap.uploads.filter((u) => u.method === 'PUT').every((u) => u.status === undefined || u.status === 201 || u.status === 204), 'every PUT was taken');
  });

  it('continues after OBS restarts with names reused from 0: a discontinuity, a monotonic sequence, no URL reused', async () => {
    const before = await playlist();
    assert.ok(before);
    const seen = new Map<string, string>();
    for (const s of before.segments) seen.set(s.uri, sha((await relay.bytes(`/hls/live/${s.uri}`)).bytes));
    const lastBefore = before.segments.at(-1)?.msn ?? -1;
    await obs.kill();
    obs = startObs({ dir, pushUrl: `${tap.url}/ingest/live/${PUSH_KEY}`, listSize: 6, flags: ['delete_segments'] });
    const after = await waitFor('segments of the new run', async () => {
      const pl = await playlist();
      const fresh = pl?.segments.filter((s) => s.msn > lastBefore) ?? [];
      return fresh.length >= 2 && fresh.some((s) => s.discontinuity) ? pl : undefined;
    }, 30_000);
    assert.ok(after.mediaSequence >= before.mediaSequence);
    const msns = after.segments.map((s) => s.msn);
    assert.deepEqual(msns, [...msns].sort((a, b) => a - b));
    for (const s of after.segments) {
      const h = sha((await relay.bytes(`/hls/live/${s.uri}`)).bytes);
      if (seen.has(s.uri)) assert.equal(h, seen.get(s.uri), `${s.uri} still has its bytes`);
    }
    assert.ok(tap.uploads.filter((u) => u.file === 'stream0.ts').length >= 2, 'ffmpeg did push stream0.ts again');
  });

  it('takes the key as the Basic auth password too (ffmpeg sends it after the 401 challenge)', async () => {
    const basic = startObs({ dir, pushUrl: `${relay.url.replace('http://', `http://obs:${PUSH_KEY}@`)}/ingest/tv`, listSize: 6 });
    try {
      await waitFor('segments on the stream pushed with Basic auth', async () => ((await playlist('tv'))?.segments.length ?? 0) >= 2, 30_000);
    } finally {
      await basic.kill();
    }
  });

  it('never shows the key in a log line, /api/status, /metrics or an error; only the admin API has it', async () => {
    const status = await relay.text('/api/status');
    const metrics = await relay.text('/metrics');
    const wrong = await relay.text(`/ingest/live/${PUSH_KEY}/stream.m3u8`);
    assert.equal(wrong.status, 405);
    for (const body of [status.text, metrics.text, wrong.text, relay.logs()]) assert.ok(!body.includes(PUSH_KEY), body.slice(0, 400));
    assert.match(metrics.text, /sharecast_http_requests_total\{route="ingest",status="2xx"\} \d+/);
    const admin = await relay.adminPush();
    const live = admin.streams.find((s) => s.name === 'live');
    assert.equal(live?.key, PUSH_KEY);
    assert.equal(live?.paths.hls, `/ingest/live/${PUSH_KEY}/stream.m3u8`);
    assert.equal(live?.pusher?.address, '127.0.0.1');
    assert.equal((await relay.get('/api/admin/push')).status, 401, 'not without the admin token');
  });
});
