// Push ingest with ffmpeg's dash muxer in streaming mode (method=PUT): each segment is
// uploaded with chunked transfer encoding as it is written, one CMAF chunk every
// frag_duration. The push source exposes the segment while its upload is in progress,
// and the relay turns it into LL-HLS parts by itself.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { llPlaylistProblems } from '../../helpers/ll-hls-check.js';
import { PUSH_KEY, startPushRelay, type PushRelay } from '../../helpers/push-relay.js';
import { startPushTap, type PushTap } from '../../helpers/push-tap.js';
import { waitFor } from '../../helpers/wait.js';

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

/** The segments of an LL media playlist with their parts. */
function readPlaylist(text: string) {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
  const segments: Array<{ uri: string; msn: number; discontinuity: boolean; parts: string[] }> = [];
  let parts: string[] = [];
  let discontinuity = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PART:')) parts.push(/URI="([^"]+)"/.exec(line)?.[1] ?? '');
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line !== '' && !line.startsWith('#')) {
      segments.push({ uri: line, msn: msn++, discontinuity, parts });
      parts = [];
      discontinuity = false;
    }
  }
  return { segments, lastMsn: msn - 1 };
}

describe('push ingest: ffmpeg\'s dash muxer streams chunked CMAF to sharecast (LL-HLS)', { timeout: 120_000 }, () => {
  let dir: string;
  let relay: PushRelay;
  let tap: PushTap;
  let obs: Obs;
  const text = async (path: string) => (await relay.text(path)).text;

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-push-dash-'));
    relay = await startPushRelay();
    tap = await startPushTap(relay.url);
    obs = startObs({ dir, muxer: 'dash', pushUrl: `${tap.url}/ingest/live/${PUSH_KEY}` });
    await waitFor('parts in both renditions', async () => {
      const [v, a] = await Promise.all([text('/hls/live/media-0.m3u8'), text('/hls/live/media-1.m3u8')]);
      return v.includes('#EXT-X-PART:') && a.includes('#EXT-X-PART:') && readPlaylist(v).segments.filter((s) => s.parts.length > 0).length >= 2;
    }, 30_000);
  });

  after(async () => {
    await obs?.kill();
    await tap?.close();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees the uploads ffmpeg really makes over HTTP: chunked, no temp names, master.m3u8 and media_N.m3u8 beside the MPD', () => {
    const files = new Set(tap.uploads.map((u) => u.file));
    for (const f of ['master.m3u8', 'media_0.m3u8', 'media_1.m3u8', 'stream.mpd', 'init-stream0.m4s', 'init-stream1.m4s', 'chunk-stream0-00001.m4s']) assert.ok(files.has(f), f);
    assert.ok(![...files].some((f) => f.endsWith('.tmp')), 'no .tmp names over HTTP');
    assert.ok(tap.uploads.every((u) => u.status === undefined || u.status < 300), 'every upload taken');
  });

  it('serves a master and LL media playlists with EXT-X-PART that pass the strict checks', async () => {
    const master = await text('/hls/live/index.m3u8');
    assert.match(master, /#EXT-X-STREAM-INF:[^\n]*\nmedia-0\.m3u8\n/);
    assert.match(master, /URI="media-1\.m3u8"/);
    for (const file of ['media-0.m3u8', 'media-1.m3u8']) {
      const t = await text(`/hls/live/${file}`);
      assert.match(t, /#EXT-X-PART:DURATION=/);
      assert.deepEqual(llPlaylistProblems(t), [], `${file}:\n${t}`);
    }
  });

  it('serves parts byte-identical to the upload: a segment is the concatenation of its parts and is the uploaded segment', async () => {
    let checked = 0;
    for (const file of ['media-0.m3u8', 'media-1.m3u8']) {
      const pl = readPlaylist(await text(`/hls/live/${file}`));
      for (const seg of pl.segments.filter((s) => s.parts.length > 0)) {
        const whole = await relay.bytes(`/hls/live/${seg.uri}`);
        assert.equal(whole.status, 200);
        const parts = await Promise.all(seg.parts.map((p) => relay.bytes(`/hls/live/${p}`)));
        assert.ok(parts.every((p) => p.status === 200));
        assert.equal(sha(Buffer.concat(parts.map((p) => p.bytes))), sha(whole.bytes), `${seg.uri}: the concatenation of its ${parts.length} parts`);
        assert.ok(tap.completeHashes().has(sha(whole.bytes)), `${seg.uri}: byte-identical to a segment ffmpeg uploaded`);
        checked += 1;
      }
    }
    assert.ok(checked >= 2, `checked ${checked} segments with parts`);
  });

  it('publishes parts while the segment is still being uploaded', async () => {
    // A blocking reload for the first part of the next segment: answered once that part is public,
    // while ffmpeg is still uploading the segment it belongs to.
    const { lastMsn } = readPlaylist(await text('/hls/live/media-0.m3u8'));
    const res = await relay.text(`/hls/live/media-0.m3u8?_HLS_msn=${lastMsn + 1}&_HLS_part=0`);
    const at = performance.now();
    assert.equal(res.status, 200);
    const pending = res.text.slice(res.text.lastIndexOf('#EXTINF:')).split('\n').filter((l) => l.startsWith('#EXT-X-PART:'));
    assert.ok(pending.length >= 1 || readPlaylist(res.text).lastMsn > lastMsn, 'the answer lists the new part');
    const newest = tap.uploads.filter((u) => /^chunk-stream0-\d+\.m4s$/.test(u.file) && u.startedAt < at).at(-1);
    assert.ok(newest && (newest.endedAt === undefined || newest.endedAt > at), `the segment's upload (${newest?.file}) was still in progress`);
  });

  it('never publishes what an upload killed mid-segment (kill -9) did not bring; the stream picks up after OBS starts again', async () => {
    const before = readPlaylist(await text('/hls/live/media-0.m3u8'));
    await obs.kill();
    const broken = await waitFor('the upload ffmpeg left unfinished', () => tap.uploads.find((u) => u.file.startsWith('chunk-stream0-') && u.brokeOff), 5000);
    const partial = Buffer.concat(broken.bytes);
    obs = startObs({ dir, muxer: 'dash', pushUrl: `${tap.url}/ingest/live/${PUSH_KEY}` });
    const after = await waitFor('parts after the restart', async () => {
      const pl = readPlaylist(await text('/hls/live/media-0.m3u8'));
      const fresh = pl.segments.filter((s) => s.msn > before.lastMsn);
      return fresh.some((s) => s.discontinuity) && fresh.some((s) => s.parts.length > 0 && !s.discontinuity) ? pl : undefined;
    }, 30_000);
    const uploaded = tap.completeHashes();
    for (const s of after.segments) {
      const body = (await relay.bytes(`/hls/live/${s.uri}`)).bytes;
      if (uploaded.has(sha(body))) continue;
      // Not a whole upload: only the segment cut short by the kill, made of the parts that were public (whole CMAF chunks).
      assert.ok(s.parts.length > 0, `${s.uri} is neither an upload nor made of public parts`);
      assert.ok(partial.subarray(0, body.byteLength).equals(body), `${s.uri} is the start of what ffmpeg sent before it died`);
      assert.ok(body.byteLength < partial.byteLength || broken.size === partial.byteLength, 'and no more than it');
      const parts = await Promise.all(s.parts.map((p) => relay.bytes(`/hls/live/${p}`)));
      assert.equal(sha(Buffer.concat(parts.map((p) => p.bytes))), sha(body));
    }
    assert.ok(after.lastMsn > before.lastMsn);
    assert.deepEqual(llPlaylistProblems(await text('/hls/live/media-0.m3u8')), []);
  });
});
