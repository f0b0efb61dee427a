// The folder source with a real ffmpeg writing HLS as OBS would, read back
// through the relay's HTTP origin.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { RelayWatcher, sha1 } from '../../helpers/relay-watcher.js';
import { waitFor } from '../../helpers/wait.js';
import { writtenFiles } from '../../helpers/written-files.js';

requireFfmpeg();

const run = promisify(execFile);

/** ffprobe's view of the relayed stream (async: the relay runs in this process). */
async function probe(url: string): Promise<{ codecs: string[]; stderr: string }> {
  const { stdout, stderr } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url], { timeout: 30_000 });
  return { codecs: [...new Set(stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].sort(), stderr: stderr.trim() };
}

describe('folder source: OBS-style MPEG-TS output with a spaced, timestamped name', () => {
  let dir: string;
  let obs: Obs;
  let relay: Relay;
  let watcher: RelayWatcher;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sharecast obs '));
    // OBS "Output to File" names: the relay is pointed at the folder and follows the newest playlist.
    obs = startObs({ dir, playlist: '2026-11-21 18-04-15.m3u8', hlsTime: 1, listSize: 0 });
    relay = await startRelay(['--source', dir]);
    watcher = new RelayWatcher(relay, 'live', {}).start(100);
    await waitFor('5 segments in the relay playlist', async () => ((watcher.latest?.segments.length ?? 0) >= 5 ? true : undefined), 30_000);
  });

  after(async () => {
    await watcher?.stop();
    await obs?.kill();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every segment a viewer gets is byte-identical to a file ffmpeg wrote, in order', async () => {
    await watcher.stop();
    const written = writtenFiles(dir, ['.ts']);
    const names: string[] = [];
    for (const [uri, hash] of watcher.segmentHashes) {
      const source = written.get(hash);
      assert.ok(source, `relay segment ${uri} matches no file ffmpeg wrote`);
      names.push(source);
    }
    const numbers = names.map((n) => Number(/(\d+)\.ts$/.exec(n)?.[1]));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'segments come in the order OBS wrote them');
    for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], (numbers[i - 1] as number) + 1, 'no segment skipped');
    watcher.start(100);
  });

  test('the relay playlist follows RFC 8216 for a live playlist', async () => {
    const pl = watcher.latest;
    assert.ok(pl);
    assert.equal(pl.endList, false);
    const total = pl.segments.reduce((a, s) => a + s.duration, 0);
    assert.ok(total >= 3 * pl.targetDuration, `window ${total}s holds at least 3 target durations (${pl.targetDuration})`);
    for (const s of pl.segments) assert.ok(Math.round(s.duration) <= pl.targetDuration, 'EXTINF <= target duration');
    assert.deepEqual(watcher.sequenceProblems(), []);
    assert.deepEqual(watcher.serverErrors(), []);
    const status = await relay.status();
    assert.equal(status.online, true);
    assert.equal(status.streams['live']?.source.state, 'ok');
  });

  test('segment answers carry the headers players and caches need', async () => {
    const pl = watcher.latest;
    const seg = pl?.segments.at(-1);
    assert.ok(seg);
    const res = await relay.get(`/hls/live/${seg.uri}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp2t');
    assert.match(res.headers.get('cache-control') ?? '', /max-age=\d{6,}.*immutable/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const etag = res.headers.get('etag');
    assert.ok(etag);
    assert.equal(bytes[0], 0x47, 'MPEG-TS sync byte');

    const notModified = await relay.get(`/hls/live/${seg.uri}`, { headers: { 'If-None-Match': etag, 'Cache-Control': 'max-age=0' } });
    assert.equal(notModified.status, 304);
    await notModified.arrayBuffer();

    const ranged = await relay.get(`/hls/live/${seg.uri}`, { headers: { Range: 'bytes=188-375' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 188-375/${bytes.length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(188, 376));

    const head = await relay.get(`/hls/live/${seg.uri}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));

    const playlist = await relay.get('/hls/live/index.m3u8');
    assert.equal(playlist.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    const cc = playlist.headers.get('cache-control') ?? '';
    const maxAge = Number(/max-age=(\d+)/.exec(cc)?.[1] ?? 0);
    assert.ok(cc === 'no-cache' || maxAge <= (pl?.targetDuration ?? 0) / 2, `playlist cached at most half a target duration (${cc})`);
    await playlist.arrayBuffer();
  });

  test('ffprobe, a client nobody here wrote, reads the relayed stream', async () => {
    const r = await probe(`${relay.url}/hls/live/index.m3u8`);
    assert.equal(r.stderr, '', 'no errors');
    assert.deepEqual(r.codecs, ['aac', 'h264']);
  });
});

describe('folder source: fMP4 segments with an init section, temp_file and delete_segments', () => {
  let dir: string;
  let obs: Obs;
  let relay: Relay;
  let watcher: RelayWatcher;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sharecast-fmp4-'));
    obs = startObs({ dir, playlist: 'stream.m3u8', hlsTime: 1, listSize: 4, segmentType: 'fmp4', flags: ['temp_file', 'delete_segments', 'independent_segments', 'program_date_time'] });
    relay = await startRelay(['--source', join(dir, 'stream.m3u8')]);
    watcher = new RelayWatcher(relay, 'live', {}).start(100);
    await waitFor('4 fMP4 segments', async () => ((watcher.latest?.segments.length ?? 0) >= 4 ? true : undefined), 30_000);
  });

  after(async () => {
    await watcher?.stop();
    await obs?.kill();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the init section and segments are relayed byte for byte, with EXT-X-MAP', async () => {
    await watcher.stop();
    const pl = watcher.latest;
    assert.ok(pl);
    assert.match(pl.text, /#EXT-X-VERSION:[67]/);
    assert.match(pl.text, /#EXT-X-INDEPENDENT-SEGMENTS/);
    assert.match(pl.text, /#EXT-X-PROGRAM-DATE-TIME:/);
    const map = pl.segments[0]?.map;
    assert.ok(map, 'EXT-X-MAP present');
    const init = await relay.get(`/hls/live/${map}`);
    assert.equal(init.status, 200);
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    assert.equal(sha1(Buffer.from(await init.arrayBuffer())), sha1(readFileSync(join(dir, 'stream_init.mp4'))));
    const seg = pl.segments.at(-1);
    assert.ok(seg);
    const res = await relay.get(`/hls/live/${seg.uri}`);
    assert.equal(res.headers.get('content-type'), 'video/iso.segment');
    const hash = sha1(Buffer.from(await res.arrayBuffer()));
    const written = writtenFiles(dir, ['.m4s']);
    assert.ok(written.has(hash), 'newest segment matches a file ffmpeg wrote');
    assert.deepEqual(watcher.serverErrors(), []);
    assert.deepEqual(watcher.sequenceProblems(), []);
  });

  test('ffprobe reads the fMP4 stream through the relay', async () => {
    const r = await probe(`${relay.url}/hls/live/index.m3u8`);
    assert.equal(r.stderr, '', 'no errors');
    assert.deepEqual(r.codecs, ['aac', 'h264']);
  });
});

describe('folder source: polling (network mounts where file events never arrive)', () => {
  test('--poll relays OBS output through stat polling alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sharecast-poll-'));
    const obs = startObs({ dir, hlsTime: 1, listSize: 5, flags: ['delete_segments'] });
    const relay = await startRelay(['--source', join(dir, 'stream.m3u8'), '--poll', '--poll-interval', '100']);
    const watcher = new RelayWatcher(relay, 'live', {}).start(100);
    try {
      await waitFor('3 segments by polling', () => ((watcher.latest?.segments.length ?? 0) >= 3 ? true : undefined), 30_000);
      await watcher.stop();
      assert.deepEqual(watcher.serverErrors(), []);
      assert.deepEqual(watcher.sequenceProblems(), []);
      const written = writtenFiles(dir, ['.ts']);
      const newest = [...watcher.segmentHashes.values()].at(-1);
      assert.ok(newest && written.has(newest), 'newest relayed segment is a file ffmpeg wrote');
    } finally {
      await watcher.stop();
      await obs.kill();
      await relay.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('folder source: a hand-written playlist with CRLF line endings and spaces in names', () => {
  test('segments are published when the playlist lists them, byte for byte', async () => {
    const { copyFileSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'sharecast-crlf-'));
    const fixtures = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'demo');
    const relay = await startRelay(['--source', join(dir, 'my stream.m3u8')]);
    try {
      const write = (n: number) => {
        copyFileSync(join(fixtures, `demo${n}.ts`), join(dir, `my stream ${n}.ts`));
        const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
        for (let i = 0; i <= n; i++) lines.push('#EXTINF:2.000000,', `my stream ${i}.ts`);
        writeFileSync(join(dir, 'my stream.m3u8.tmp'), `${lines.join('\r\n')}\r\n`);
        renameSync(join(dir, 'my stream.m3u8.tmp'), join(dir, 'my stream.m3u8'));
      };
      write(0);
      write(1);
      const pl = await waitFor('two segments', async () => {
        const p = await relay.playlist();
        return p && p.segments.length >= 2 ? p : undefined;
      }, 10_000);
      for (const [i, seg] of pl.segments.entries()) {
        const res = await relay.get(`/hls/live/${seg.uri}`);
        assert.equal(sha1(Buffer.from(await res.arrayBuffer())), sha1(readFileSync(join(fixtures, `demo${i}.ts`))));
      }
    } finally {
      await relay.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
