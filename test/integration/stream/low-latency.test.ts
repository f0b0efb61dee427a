import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { llPlaylistProblems } from '../../helpers/ll-hls-check.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { RelayWatcher } from '../../helpers/relay-watcher.js';
import { waitFor } from '../../helpers/wait.js';

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

interface ListedSegment {
  uri: string;
  msn: number;
  discontinuity: boolean;
  parts: Array<{ uri: string; duration: number; independent: boolean }>;
}

/** The segments of an LL media playlist with their parts, and the parts of the segment being written. */
function readPlaylist(text: string) {
  const lines = text.split('\n');
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
  const segments: ListedSegment[] = [];
  let parts: ListedSegment['parts'] = [];
  let discontinuity = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PART:')) {
      parts.push({ uri: /URI="([^"]+)"/.exec(line)?.[1] ?? '', duration: Number(/DURATION=([\d.]+)/.exec(line)?.[1]), independent: line.includes('INDEPENDENT=YES') });
    } else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line !== '' && !line.startsWith('#')) {
      segments.push({ uri: line, msn: msn++, discontinuity, parts });
      parts = [];
      discontinuity = false;
    }
  }
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
  return { segments, pending: parts, hint, lastMsn: msn - 1 };
}

describe('LL-HLS from ffmpeg\'s dash muxer (folder source)', { timeout: 120_000 }, () => {
  let dir: string;
  let relay: Relay;
  let obs: Obs;
  let watchers: RelayWatcher[] = [];
  const get = async (path: string) => {
    const res = await relay.get(path);
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const text = async (path: string) => Buffer.from((await get(path)).bytes).toString('utf8');

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-ll-'));
    relay = await startRelay(['--source', join(dir, 'stream.mpd')]);
    // Every version of both media playlists goes through the RFC 8216 validator (and the LL-HLS rules).
    watchers = ['media-0.m3u8', 'media-1.m3u8'].map((file) => new RelayWatcher(relay, 'live', { file }).start(150));
    obs = startObs({ dir, muxer: 'dash' });
    await waitFor('parts in both renditions', async () => {
      const [v, a] = await Promise.all([text('/hls/live/media-0.m3u8'), text('/hls/live/media-1.m3u8')]);
      return v.includes('#EXT-X-PART:') && a.includes('#EXT-X-PART:') && readPlaylist(v).segments.some((s) => s.parts.length > 0);
    }, 30_000);
  });

  after(async () => {
    for (const w of watchers) await w.stop();
    await obs?.kill();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a master playlist with the relay\'s names for the video and the separate audio rendition', async () => {
    const master = await text('/hls/live/index.m3u8');
    assert.match(master, /#EXT-X-STREAM-INF:[^\n]*AUDIO="[^"]+"\nmedia-0\.m3u8\n/);
    assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="media-1\.m3u8"/);
    assert.doesNotMatch(master, /media_\d|chunk-stream|init-stream/, 'no source file name leaks into the master');
  });

  it('writes LL playlists that pass hls-parser\'s strict mode and the part rules of RFC 8216bis', async () => {
    for (let i = 0; i < 6; i++) {
      for (const file of ['media-0.m3u8', 'media-1.m3u8']) {
        const t = await text(`/hls/live/${file}`);
        assert.deepEqual(llPlaylistProblems(t), [], `${file}:\n${t}`);
        assert.match(t, /#EXT-X-RENDITION-REPORT:URI="media-[01]\.m3u8",LAST-MSN=\d+/);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  it('serves parts and segments byte-identical to what ffmpeg wrote: a segment is the exact concatenation of its parts', async () => {
    const onDisk = new Set(readdirSync(dir).filter((n) => /^chunk-stream\d-\d+\.m4s$/.test(n)).map((n) => sha(readFileSync(join(dir, n)))));
    let checked = 0;
    for (const file of ['media-0.m3u8', 'media-1.m3u8']) {
      const pl = readPlaylist(await text(`/hls/live/${file}`));
      for (const seg of pl.segments.filter((s) => s.parts.length > 0)) {
        const whole = await get(`/hls/live/${seg.uri}`);
        assert.equal(whole.status, 200);
        const parts = await Promise.all(seg.parts.map((p) => get(`/hls/live/${p.uri}`)));
        assert.ok(parts.every((p) => p.status === 200));
        assert.equal(sha(Buffer.concat(parts.map((p) => p.bytes))), sha(whole.bytes), `${seg.uri} is the concatenation of its ${parts.length} parts`);
        const fresh = new Set(readdirSync(dir).filter((n) => /^chunk-stream\d-\d+\.m4s$/.test(n)).map((n) => sha(readFileSync(join(dir, n)))));
        assert.ok(onDisk.has(sha(whole.bytes)) || fresh.has(sha(whole.bytes)), `${seg.uri} is byte-identical to a file ffmpeg renamed into place`);
        assert.ok(seg.parts[0]?.independent, 'a segment starts with an independent part (its first sample is a sync sample)');
        checked += 1;
      }
    }
    assert.ok(checked >= 2, `checked ${checked} segments with parts`);
    assert.equal((await get('/hls/live/' + readPlaylist(await text('/hls/live/media-0.m3u8')).segments[0]?.uri)).headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('holds a blocking reload until the part exists, and refuses what is too far ahead or malformed', async () => {
    const now = readPlaylist(await text('/hls/live/media-0.m3u8'));
    const msn = now.lastMsn + 1;
    const part = now.pending.length + 1;
    const t0 = Date.now();
    const held = await get(`/hls/live/media-0.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`);
    const waited = Date.now() - t0;
    assert.equal(held.status, 200);
    const after = readPlaylist(Buffer.from(held.bytes).toString('utf8'));
    const has = after.lastMsn > msn || (after.lastMsn === msn ? true : after.lastMsn + 1 === msn && after.pending.length > part);
    assert.ok(has, `the answer holds part ${part} of ${msn} (or later): lastMsn ${after.lastMsn}, ${after.pending.length} parts in progress`);
    assert.ok(waited < 3000, `answered in ${waited} ms, within the hold limit`);
    assert.match(held.headers.get('cache-control') ?? '', /public, max-age=\d+/, 'a blocking-reload answer can be kept by a shared cache');
    // More than two segments past the edge (read again: the edge moved while the request above was held).
    const edge = readPlaylist(await text('/hls/live/media-0.m3u8')).lastMsn;
    assert.equal((await get(`/hls/live/media-0.m3u8?_HLS_msn=${edge + 4}`)).status, 400);
    assert.equal((await get('/hls/live/media-0.m3u8?_HLS_part=1')).status, 400);
    assert.equal((await get('/hls/live/media-0.m3u8')).headers.get('cache-control'), 'no-cache');
  });

  it('holds a request for the preload-hinted part until it is complete, then serves the part the playlist lists', async () => {
    const { hint } = readPlaylist(await text('/hls/live/media-0.m3u8'));
    assert.ok(hint, 'a preload hint');
    const res = await get(`/hls/live/${hint}`);
    assert.equal(res.status, 200);
    const listed = await waitFor('the hinted part listed', async () => {
      const pl = readPlaylist(await text('/hls/live/media-0.m3u8'));
      return [...pl.segments.flatMap((s) => s.parts), ...pl.pending].some((p) => p.uri === hint) ? true : undefined;
    });
    assert.ok(listed);
    assert.equal(sha(res.bytes), sha((await get(`/hls/live/${hint}`)).bytes));
  });

  it('gives a delta update for _HLS_skip=YES', async () => {
    // Only segments older than CAN-SKIP-UNTIL (6 target durations) can be skipped: wait for a window longer than that.
    await waitFor('a window longer than CAN-SKIP-UNTIL', async () => readPlaylist(await text('/hls/live/media-0.m3u8')).segments.length >= 8, 30_000);
    const full = await text('/hls/live/media-0.m3u8');
    const delta = await text('/hls/live/media-0.m3u8?_HLS_skip=YES');
    assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+/);
    assert.ok(delta.length < full.length);
    assert.match(delta, /#EXT-X-VERSION:(9|1\d)/);
  });

  it('continues after OBS restarts (names reused from the start): a discontinuity, a monotonic sequence, no URL reused, and parts again', async () => {
    const before = readPlaylist(await text('/hls/live/media-0.m3u8'));
    const seen = new Map<string, string>();
    for (const s of before.segments) seen.set(s.uri, sha((await get(`/hls/live/${s.uri}`)).bytes));
    await obs.kill();
    obs = startObs({ dir, muxer: 'dash' });
    const after = await waitFor('parts after the restart', async () => {
      const pl = readPlaylist(await text('/hls/live/media-0.m3u8'));
      const fresh = pl.segments.filter((s) => s.msn > before.lastMsn);
      return fresh.some((s) => s.discontinuity) && fresh.filter((s) => s.parts.length > 0).length >= 1 ? pl : undefined;
    }, 30_000);
    assert.ok(after.lastMsn > before.lastMsn);
    for (const s of after.segments) {
      const h = sha((await get(`/hls/live/${s.uri}`)).bytes);
      if (seen.has(s.uri)) assert.equal(h, seen.get(s.uri), `${s.uri} still has the bytes it had`);
    }
    assert.deepEqual(llPlaylistProblems(await text('/hls/live/media-0.m3u8')), []);
  });

  it('kept RFC 8216 and the LL-HLS rules in every version of both media playlists a viewer polled, across the OBS restart too', async () => {
    for (const w of watchers) await w.stop();
    for (const w of watchers) {
      assert.ok(w.playlists.length >= 10, `${w.playlists.length} versions seen`);
      assert.deepEqual(w.sequenceProblems(), []);
      assert.deepEqual(w.serverErrors(), []);
    }
  });

});
