// Issue 10, items 1-5, against the real folder source and the relay over
// HTTP: segments that are empty, cut short or still being written when the
// playlist lists them, a URI no file system takes, nonsense durations, a
// poisonous target duration and a huge playlist. Each is skipped (or
// refused) with a code in /api/status; nothing but whole files is published;
// no viewer ever gets a 5xx.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg } from '../../helpers/ffmpeg.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { RelayWatcher, sha1 } from '../../helpers/relay-watcher.js';
import { sleep, waitFor } from '../../helpers/wait.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'demo');
const demo = (n: number) => readFileSync(join(FIXTURES, `demo${n}.ts`));

interface StreamStatusBody {
  online: boolean;
  playlistError: { code: string; message: string } | null;
  lastSkipped: { code: string; message: string; segment: string; at: string } | null;
  skippedSegments: number;
  targetDuration: number | null;
  source: { state: string; error?: { code: string; message: string } };
}

async function streamStatus(relay: Relay): Promise<StreamStatusBody> {
  const body = (await (await relay.get('/api/status')).json()) as { streams: Record<string, StreamStatusBody> };
  return body.streams['live'] as StreamStatusBody;
}

/** OBS's playlist, written by hand, always whole (temp file + rename, as ffmpeg does). */
class HandPlaylist {
  readonly entries: string[] = [];
  constructor(
    private readonly dir: string,
    private readonly header: string[],
  ) {}

  add(uri: string, extinf = '2.000000'): this {
    this.entries.push(`#EXTINF:${extinf},`, uri);
    return this;
  }

  write(extraHeader: string[] = []): void {
    const text = ['#EXTM3U', ...this.header, ...extraHeader, ...this.entries, ''].join('\n');
    writeFileSync(join(this.dir, 'stream.m3u8.tmp'), text);
    renameSync(join(this.dir, 'stream.m3u8.tmp'), join(this.dir, 'stream.m3u8'));
  }
}

/** Appends `bytes` to `path` in `chunk`-byte steps every `everyMs`; resolves when all is written. */
async function slowWriter(path: string, bytes: Buffer, chunk: number, everyMs: number, onFirst: () => void): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    for (let off = 0; off < bytes.byteLength; off += chunk) {
      writeSync(fd, bytes, off, Math.min(chunk, bytes.byteLength - off));
      if (off === 0) onFirst();
      await sleep(everyMs);
    }
  } finally {
    closeSync(fd);
  }
}

describe('folder source: segments that are not whole when listed, MPEG-TS (issue 10, items 1, 2, 4)', () => {
  let dir: string;
  let relay: Relay;
  let watcher: RelayWatcher;
  let pl: HandPlaylist;
  /** Every complete file the test wrote: a relayed segment must be one of them. */
  const complete = new Set<string>();
  const put = (name: string, bytes: Buffer, whole = true) => {
    writeFileSync(join(dir, name), bytes);
    if (whole) complete.add(sha1(bytes));
  };
  let published = 0;
  /** Lists `uris`, waits for the relay to publish `good` more segments, and gives the status then. */
  const listAndWait = async (uris: Array<string | [string, string]>, good: number) => {
    for (const u of uris) (typeof u === 'string' ? pl.add(u) : pl.add(u[0], u[1])).write();
    published += good;
    await waitFor(`${published} segments relayed`, () => ((watcher.latest?.segments.at(-1)?.msn ?? -1) + 1 >= published ? true : undefined), 15_000);
    return streamStatus(relay);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sharecast-bad-'));
    pl = new HandPlaylist(dir, ['#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0']);
    // The stream stalls on purpose here (skipped segments): no offline slate, which would fill the gaps with clips that are not OBS's files.
    relay = await startRelay(['--source', join(dir, 'stream.m3u8'), '--window', '60', '--no-offline-slate']);
    watcher = new RelayWatcher(relay, 'live', { checkGrowth: false }).start(50);
    put('s0.ts', demo(0));
    await listAndWait(['s0.ts'], 1);
  });

  after(async () => {
    await watcher?.stop();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the status says nothing was skipped while nothing was', async () => {
    const s = await streamStatus(relay);
    assert.equal(s.lastSkipped, null);
    assert.equal(s.skippedSegments, 0);
  });

  test('a 0-byte segment is never published: skipped with segment_incomplete, the next one follows a discontinuity', async () => {
    put('empty.ts', Buffer.alloc(0), false);
    put('s1.ts', demo(1));
    const s = await listAndWait(['empty.ts', 's1.ts'], 1);
    assert.equal(s.lastSkipped?.code, 'segment_incomplete');
    assert.equal(s.lastSkipped?.segment, 'empty.ts');
    assert.match(s.lastSkipped?.message ?? '', /is empty/);
    assert.equal(watcher.latest?.segments.at(-1)?.discontinuity, true);
  });

  test('a truncated MPEG-TS segment (22,711 bytes of it) is never published', async () => {
    put('cut.ts', demo(2).subarray(0, 22_711), false);
    put('s2.ts', demo(3));
    const s = await listAndWait(['cut.ts', 's2.ts'], 1);
    assert.equal(s.lastSkipped?.code, 'segment_incomplete');
    assert.equal(s.lastSkipped?.segment, 'cut.ts');
    assert.match(s.lastSkipped?.message ?? '', /22711 bytes: not a whole number of 188-byte MPEG-TS packets/);
  });

  test('a segment still being written when listed is published only once whole, byte for byte', async () => {
    const whole = demo(4);
    complete.add(sha1(whole));
    // Whole packets every 25 ms: the packets are in sync all along; only the two looks can tell it is still growing.
    await slowWriter(join(dir, 'growing.ts'), whole, 188 * 50, 25, () => pl.add('growing.ts').write());
    published += 1;
    await waitFor('the grown segment relayed', () => ((watcher.latest?.segments.at(-1)?.msn ?? -1) + 1 >= published ? true : undefined), 15_000);
    const seg = watcher.latest?.segments.at(-1);
    assert.ok(seg);
    await waitFor('its bytes fetched', () => watcher.segmentHashes.get(seg.uri));
    assert.equal(watcher.segmentHashes.get(seg.uri), sha1(whole), 'the relayed segment is the whole file');
    assert.equal(seg.discontinuity, false, 'it was not skipped');
  });

  test('a segment that keeps growing past the retries is skipped, never published in part', async () => {
    const whole = demo(5);
    complete.add(sha1(whole));
    put('s3.ts', demo(0));
    const writing = slowWriter(join(dir, 'slow.ts'), whole, 188 * 4, 25, () => pl.add('slow.ts').add('s3.ts').write());
    published += 1;
    await waitFor('the segment after the slow one', () => ((watcher.latest?.segments.at(-1)?.msn ?? -1) + 1 >= published ? true : undefined), 15_000);
    await writing;
    const s = await streamStatus(relay);
    assert.equal(s.lastSkipped?.code, 'segment_incomplete');
    assert.equal(s.lastSkipped?.segment, 'slow.ts');
    // Seen growing between the two looks, or during the read itself: either way, not whole.
    assert.match(s.lastSkipped?.message ?? '', /still being written|bytes of the \d+ it had just before/);
    assert.equal(watcher.latest?.segments.at(-1)?.discontinuity, true);
  });

  test('a 10 KB URI is skipped with a code, and the status stays small', async () => {
    const long = `${'x'.repeat(10_000)}.ts`;
    put('s4.ts', demo(1));
    const s = await listAndWait([long, 's4.ts'], 1);
    assert.equal(s.lastSkipped?.code, 'source_unavailable');
    assert.ok((s.lastSkipped?.segment.length ?? 0) < 300, 'the URI is cut short in the status');
    assert.ok(JSON.stringify(s).length < 3000);
  });

  test('#EXTINF:-1.0, NaN and 1e308 are each refused with playlist_invalid naming the line, never published as EXTINF 1', async () => {
    put('neg.ts', demo(2));
    put('nan.ts', demo(3));
    put('big.ts', demo(4));
    put('s5.ts', demo(5));
    const before = (await streamStatus(relay)).skippedSegments;
    const s = await listAndWait([['neg.ts', '-1.0'], ['nan.ts', 'NaN'], ['big.ts', '1e308'], 's5.ts'], 1);
    assert.equal(s.skippedSegments, before + 3);
    assert.equal(s.lastSkipped?.code, 'playlist_invalid');
    assert.equal(s.lastSkipped?.segment, 'big.ts');
    assert.match(s.lastSkipped?.message ?? '', /line \d+: "#EXTINF:1e308," is not a duration/);
    const relayed = watcher.latest?.segments ?? [];
    assert.ok(relayed.every((x) => x.duration === 2), 'every relayed EXTINF is the 2 s OBS wrote');
  });

  test('every segment a viewer got is a complete file the test wrote; no 5xx', async () => {
    await sleep(200);
    for (const [uri, hash] of watcher.segmentHashes) assert.ok(complete.has(hash), `${uri} is not a complete source file`);
    assert.ok(watcher.segmentHashes.size >= 7);
    assert.deepEqual(watcher.serverErrors(), []);
    assert.deepEqual(watcher.sequenceProblems(), []);
  });

  test('a TARGETDURATION:100000 is refused, naming the line, and the stream keeps its own', async () => {
    put('s6.ts', demo(0));
    pl.add('s6.ts');
    const text = readFileSync(join(dir, 'stream.m3u8'), 'utf8');
    writeFileSync(join(dir, 'stream.m3u8.tmp'), text.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:100000').replace(/\n$/, '\n#EXTINF:2.000000,\ns6.ts\n'));
    renameSync(join(dir, 'stream.m3u8.tmp'), join(dir, 'stream.m3u8'));
    const s = await waitFor('the playlist error', async () => {
      const st = await streamStatus(relay);
      return st.playlistError ? st : undefined;
    });
    assert.equal(s.playlistError?.code, 'playlist_invalid');
    assert.match(s.playlistError?.message ?? '', /line 3: "#EXT-X-TARGETDURATION:100000" is more than the 60 s/);
    assert.equal(s.targetDuration, 2);
    pl.write();
    published += 1;
    await waitFor('relayed again', () => ((watcher.latest?.segments.at(-1)?.msn ?? -1) + 1 >= published ? true : undefined), 15_000);
    assert.equal((await streamStatus(relay)).playlistError, null);
  });

  test('a 50 MB playlist is not read: the source says so with playlist_invalid, and recovers when the playlist is sane again', async () => {
    const saved = readFileSync(join(dir, 'stream.m3u8'));
    const line = '#EXTINF:2.000000,\ns0.ts\n';
    const huge = join(dir, 'stream.m3u8.tmp');
    writeFileSync(huge, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n');
    const block = line.repeat(Math.ceil((1024 * 1024) / line.length));
    for (let i = 0; i < 50; i++) appendFileSync(huge, block);
    renameSync(huge, join(dir, 'stream.m3u8'));
    const s = await waitFor('the source error', async () => {
      const st = await streamStatus(relay);
      return st.source.state === 'error' ? st : undefined;
    });
    assert.equal(s.source.error?.code, 'playlist_invalid');
    assert.match(s.source.error?.message ?? '', /stream\.m3u8 is \d+ bytes, more than the 8388608 bytes a playlist may have: not read/);
    writeFileSync(join(dir, 'stream.m3u8.tmp'), saved);
    renameSync(join(dir, 'stream.m3u8.tmp'), join(dir, 'stream.m3u8'));
    await waitFor('the source is fine again', async () => ((await streamStatus(relay)).source.state === 'ok' ? true : undefined));
    assert.deepEqual(watcher.serverErrors(), []);
  });
});

describe('folder source: a truncated fMP4 segment (issue 10, item 1)', () => {
  let gen: string;
  let dir: string;
  let relay: Relay;

  before(() => {
    requireFfmpeg();
    gen = mkdtempSync(join(tmpdir(), 'sharecast-fmp4-gen-'));
    dir = mkdtempSync(join(tmpdir(), 'sharecast-fmp4-cut-'));
    const r = spawnSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p',
      '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(gen, 'seg%d.m4s'), join(gen, 'gen.m3u8'),
    ]);
    assert.equal(r.status, 0, r.stderr?.toString());
  });

  after(async () => {
    await relay?.stop();
    rmSync(gen, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('cut inside a box or after its moof, it is skipped with segment_incomplete; whole ones are relayed byte for byte', async () => {
    const segs = readdirSync(gen).filter((n) => n.endsWith('.m4s')).sort();
    assert.ok(segs.length >= 4, `ffmpeg wrote ${segs.length} segments`);
    copyFileSync(join(gen, 'init.mp4'), join(dir, 'init.mp4'));
    const bytes = segs.map((n) => readFileSync(join(gen, n)));
    writeFileSync(join(dir, 'a.m4s'), bytes[0] as Buffer);
    const cut = bytes[1] as Buffer;
    writeFileSync(join(dir, 'cut.m4s'), cut.subarray(0, Math.floor(cut.byteLength * 0.6)));
    writeFileSync(join(dir, 'b.m4s'), bytes[2] as Buffer);
    // Cut right after the first moof: every box is whole, but the moof has no mdat.
    const last = bytes[3] as Buffer;
    let moofEnd = 0;
    for (let off = 0; off < last.byteLength && moofEnd === 0; off += last.readUInt32BE(off)) {
      if (last.toString('latin1', off + 4, off + 8) === 'moof') moofEnd = off + last.readUInt32BE(off);
    }
    assert.ok(moofEnd > 0, 'a moof in the segment');
    writeFileSync(join(dir, 'nomdat.m4s'), last.subarray(0, moofEnd));
    writeFileSync(join(dir, 'c.m4s'), bytes[3] as Buffer);
    relay = await startRelay(['--source', join(dir, 'stream.m3u8'), '--no-offline-slate']);
    const pl = new HandPlaylist(dir, ['#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-MAP:URI="init.mp4"']);
    pl.add('a.m4s', '1.000000').write();
    await waitFor('first segment', () => relay.playlist());
    for (const u of ['cut.m4s', 'b.m4s', 'nomdat.m4s', 'c.m4s']) pl.add(u, '1.000000');
    pl.write();
    const relayed = await waitFor('three segments', async () => {
      const p = await relay.playlist();
      return p && p.segments.length >= 3 ? p : undefined;
    });
    const status = (await streamStatus(relay)) as StreamStatusBody;
    assert.equal(status.skippedSegments, 2);
    assert.equal(status.lastSkipped?.code, 'segment_incomplete');
    assert.equal(status.lastSkipped?.segment, 'nomdat.m4s');
    const want = [bytes[0], bytes[2], bytes[3]].map((b) => sha1(b as Buffer));
    const got: string[] = [];
    for (const s of relayed.segments) got.push(sha1(Buffer.from(await (await relay.get(`/hls/live/${s.uri}`)).arrayBuffer())));
    assert.deepEqual(got, want);
    assert.deepEqual(relayed.segments.map((s) => s.discontinuity), [false, true, true]);
  });
});
