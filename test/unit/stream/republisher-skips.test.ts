// What the relay does with listed segments it cannot publish (issue 10,
// items 1, 3 and 4): each is retried where a retry can mend it, skipped with
// a discontinuity, and shown in the status with its code; durations and
// windows that would poison the stream are bounded.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeSource } from '../../fakes/fake-source.js';
import { m3u8, range, setup, until } from './republisher-harness.js';

/** A fake source whose reads of some URIs report a short read (as checkWholeSegment does) a number of times. */
class ShortReadSource extends FakeSource {
  readonly short = new Map<string, number>();

  override async readSegment(uri: string): Promise<Uint8Array> {
    const bytes = await super.readSegment(uri);
    const left = this.short.get(uri) ?? 0;
    if (left > 0) {
      this.short.set(uri, left - 1);
      throw new SharecastError(ErrorCode.SegmentIncomplete, `"${uri}" is still being written`);
    }
    return bytes;
  }
}

function capturedLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('skipped segments show in the status, with a code (issue 10, item 4)', () => {
  it('is null while everything listed was published', async () => {
    const { source, rep, pushAndWait } = await setup();
    for (const u of range(0, 1)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 1)), 2);
    assert.equal(rep.status().lastSkipped, null);
    assert.equal(rep.status().skippedSegments, 0);
    await rep.close();
  });

  it('names the segment, the code and the reason for each kind of skip, and counts them', async () => {
    const { source, rep, clock, pushAndWait } = await setup({ source: (c) => new ShortReadSource(c) });
    const long = `${'x'.repeat(10_000)}.ts`;
    for (const u of ['s0.ts', 's2.ts', 's4.ts', 's6.ts', 's8.ts', 's10.ts']) source.write(u);
    source.write('s1.ts');
    source.short.set('s1.ts', 99); // still being written, however long we wait
    const cases: Array<{ uri: string; code: string; message: RegExp; extinf?: string }> = [
      { uri: 's1.ts', code: ErrorCode.SegmentIncomplete, message: /still being written/ },
      { uri: 's3.ts', code: ErrorCode.SourceUnavailable, message: /listed but not in the folder/ },
      { uri: '../outside.ts', code: ErrorCode.PathOutsideSource, message: /outside/ },
      { uri: 's7.ts', code: ErrorCode.PlaylistInvalid, message: /line \d+: "#EXTINF:NaN," is not a duration/, extinf: 'NaN' },
      // The fake puts the whole URI in its message: the status cuts it short all the same.
      { uri: long, code: ErrorCode.SourceUnavailable, message: /^"x+… \(\d+ characters\)$/ },
    ];
    const uris = ['s0.ts'];
    const lines = (list: string[]) => {
      const text = m3u8(0, list);
      const bad = cases.find((c) => c.extinf !== undefined);
      return bad ? text.replace(`#EXTINF:2.000000,\n${bad.uri}`, `#EXTINF:${bad.extinf},\n${bad.uri}`) : text;
    };
    await pushAndWait(lines(uris), 1);
    let published = 1;
    for (const [i, c] of cases.entries()) {
      const next = `s${2 * i + 2}.ts`;
      uris.push(c.uri, next);
      clock.now += 2000;
      const before = rep.timeline.segments.length;
      source.push(lines(uris));
      await until(() => rep.timeline.mediaSequence + rep.timeline.segments.length > published, `the segment after ${c.uri.slice(0, 20)}`);
      published += 1;
      const s = rep.status();
      assert.equal(s.lastSkipped?.code, c.code, c.uri.slice(0, 40));
      assert.match(s.lastSkipped?.message ?? '', c.message);
      assert.equal(s.lastSkipped?.segment, c.uri.length > 200 ? `${c.uri.slice(0, 200)}… (${c.uri.length} characters)` : c.uri);
      assert.equal(s.lastSkipped?.at, new Date(clock.now).toISOString());
      assert.equal(s.skippedSegments, i + 1);
      assert.ok(JSON.stringify(s).length < 2000, 'a 10 KB URI does not make a 10 KB status');
      assert.equal(rep.timeline.segments.at(-1)?.discontinuity, true, 'the segment after a skipped one follows a discontinuity');
      assert.ok(rep.timeline.segments.length > before);
    }
    assert.ok(source.reads.filter((u) => u === 's1.ts').length >= 4, 'a segment still being written is retried before it is skipped');
    assert.equal(source.reads.filter((u) => u === 's7.ts').length, 0, 'a segment with a nonsense EXTINF is not even read');
    for (const seg of rep.timeline.segments) assert.notEqual(rep.lookup(seg.name)?.bytes.toString(), undefined);
    await rep.close();
  });

  it('publishes a segment that was still being written once a retry finds it whole, without a skip', async () => {
    const { source, rep, pushAndWait } = await setup({ source: (c) => new ShortReadSource(c) });
    for (const u of range(0, 1)) source.write(u);
    source.short.set('stream1.ts', 2);
    await pushAndWait(m3u8(0, range(0, 1)), 2);
    assert.equal(rep.lookup('run1-1.ts')?.bytes.toString(), 'bytes of stream1.ts');
    assert.equal(rep.timeline.segments[1]?.discontinuity, false);
    assert.equal(rep.status().lastSkipped, null);
    await rep.close();
  });
});

describe('durations and windows that would poison the stream (issue 10, item 3)', () => {
  it('refuses a TARGETDURATION:100000 written while offline: the stream keeps its target and can go offline again', async () => {
    const { source, rep, clock, pushAndWait } = await setup({ offlineAfterSeconds: 6 });
    for (const u of range(0, 6)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 1), { endList: true }), 2);
    assert.equal(rep.online, false);
    source.push(m3u8(0, range(0, 2), { td: 100000 }));
    await until(() => rep.status().playlistError !== null, 'the playlist error');
    assert.equal(rep.status().playlistError?.code, ErrorCode.PlaylistInvalid);
    assert.match(rep.status().playlistError?.message ?? '', /line 3: "#EXT-X-TARGETDURATION:100000" is more than the 60 s/);
    assert.equal(rep.timeline.targetDuration, 2);
    await pushAndWait(m3u8(0, range(0, 3)), 3);
    clock.now += 6000;
    rep.tick();
    assert.equal(rep.online, false, 'offline again after the usual 6 s');
    await rep.close();
  });

  it('skips an EXTINF of 100000 while live: the target duration and the offline timeout stay as they were', async () => {
    const { source, rep, clock, pushAndWait } = await setup({ offlineAfterSeconds: 6 });
    for (const u of range(0, 4)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 1)), 2);
    source.push(m3u8(0, range(0, 3), { durations: [2, 2, 100000, 2] }));
    await until(() => rep.timeline.segments.length === 3, 'the segment after it');
    assert.equal(rep.timeline.targetDuration, 2);
    assert.equal(rep.status().lastSkipped?.code, ErrorCode.PlaylistInvalid);
    assert.equal(rep.status().offlineAfterSeconds, 6);
    clock.now += 6000;
    rep.tick();
    assert.equal(rep.online, false);
    await rep.close();
  });

  it('never pins more than the cache when the window is larger than it: the newest stay served, and it says so once', async () => {
    const { logger, lines } = capturedLog();
    const segment = 'x'.repeat(100 * 1024);
    const { source, rep, store, clock, pushAndWait } = await setup({ cacheBytes: 350 * 1024, windowSeconds: 30, logger });
    for (let i = 0; i < 20; i++) source.write(`stream${i}.ts`, `${i} ${segment}`);
    await pushAndWait(m3u8(0, range(0, 0)), 1);
    for (let i = 1; i < 20; i++) {
      clock.now += 2000;
      await pushAndWait(m3u8(0, range(0, i)), i + 1);
      assert.ok(store.pinnedBytes <= 350 * 1024, `${store.pinnedBytes} bytes pinned with ${i + 1} segments listed`);
      assert.ok(store.pinnedBytes + store.lruBytes <= 350 * 1024);
      const newest = rep.timeline.segments.at(-1);
      assert.ok(newest && rep.lookup(newest.name)?.bytes.toString().startsWith(`${i} `), 'the live edge is always served');
    }
    assert.ok(rep.timeline.segments.length > 3, 'the window (15 segments of 30 s) is larger than the cache');
    const warned = lines.filter((l) => l.msg.includes('larger than the segment cache'));
    assert.equal(warned.length, 1, 'said once');
    await rep.close();
  });
});
