import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../../../src/errors.js';
import { parsePlaylist } from '../../../src/hls/parse-playlist.js';
import { m3u8, range, setup, until } from './republisher-harness.js';

describe('Republisher (fake source, fake clock)', () => {
  it('publishes a segment only after its bytes were read, and serves exactly those bytes', async () => {
    const { source, rep, text, clock } = await setup();
    source.write('stream0.ts');
    source.write('stream1.ts', 'second');
    const release = source.hold('stream1.ts');
    source.push(m3u8(0, range(0, 1)));
    await until(() => rep.timeline.segments.length === 1, 'first segment');
    await until(() => source.reads.includes('stream1.ts'), 'read of stream1.ts started');
    clock.now += 10;
    // stream1.ts is being read: not in the playlist, not servable.
    assert.equal(rep.timeline.segments.length, 1);
    assert.doesNotMatch(text(), /run1-1\.ts/);
    assert.equal(rep.lookup('run1-1.ts'), undefined);
    release();
    await until(() => rep.timeline.segments.length === 2, 'second segment');
    assert.match(text(), /run1-1\.ts/);
    assert.equal(rep.lookup('run1-1.ts')?.bytes.toString(), 'second');
    assert.equal(rep.lookup('run1-0.ts')?.bytes.toString(), 'bytes of stream0.ts');
    assert.equal(rep.lookup('run1-1.ts')?.contentType, 'video/mp2t');
    assert.equal(rep.status().online, true);
    await rep.close();
  });

  it('takes only a baseline from a playlist already there at start, then the window once OBS adds a segment', async () => {
    const { source, rep, names, pushAndWait } = await setup({ primed: false });
    for (const u of range(0, 30)) source.write(u);
    source.push(m3u8(0, range(0, 29)));
    await rep.idle();
    assert.equal(rep.playlist(), undefined, 'an old playlist on disk is not a live stream');
    assert.deepEqual(source.reads, []);
    await pushAndWait(m3u8(0, range(0, 30)), 6);
    assert.equal(names().length, 6);
    assert.deepEqual(source.reads, range(25, 30));
    await rep.close();
  });

  it('never calls the source for a lookup', async () => {
    const { source, rep, pushAndWait } = await setup();
    for (const u of range(0, 3)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 3)), 4);
    const reads = source.reads.length;
    for (let i = 0; i < 100; i++) {
      rep.lookup('run1-2.ts');
      rep.lookup('stream2.ts');
      rep.lookup('../etc/passwd');
      rep.lookup('run1-99.ts');
    }
    assert.equal(source.reads.length, reads);
    assert.equal(rep.lookup('stream2.ts'), undefined, 'source names are not public names');
    assert.equal(rep.lookup('run1-99.ts'), undefined);
    await rep.close();
  });

  it('skips a segment that cannot be read and puts a discontinuity before the next one', async () => {
    const { source, rep, text, pushAndWait } = await setup();
    for (const u of range(0, 4)) source.write(u);
    source.failing.set('stream1.ts', 99);
    await pushAndWait(m3u8(0, range(0, 2)), 2);
    const segs = rep.timeline.segments;
    assert.deepEqual(
      segs.map((s) => [s.name, s.discontinuity]),
      [
        ['run1-0.ts', false],
        ['run1-1.ts', true],
      ],
    );
    assert.equal(rep.lookup('run1-1.ts')?.bytes.toString(), 'bytes of stream2.ts');
    assert.match(text(), /run1-0\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nrun1-1\.ts/);
    assert.ok(source.reads.filter((u) => u === 'stream1.ts').length >= 2, 'a failed read is retried before giving up');
    await rep.close();
  });

  it('puts the discontinuity after a skipped segment also when the next one arrives in a later playlist version', async () => {
    const { source, rep, pushAndWait } = await setup();
    for (const u of range(0, 4)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 0)), 1);
    source.failing.set('stream1.ts', 99);
    source.push(m3u8(0, range(0, 1)));
    await rep.idle();
    assert.equal(source.reads.filter((u) => u === 'stream1.ts').length, 4, 'four tries of stream1.ts (about a second)');
    assert.equal(rep.timeline.segments.length, 1);
    await pushAndWait(m3u8(0, range(0, 2)), 2);
    assert.deepEqual(
      rep.timeline.segments.map((s) => [s.name, s.discontinuity]),
      [
        ['run1-0.ts', false],
        ['run1-1.ts', true],
      ],
    );
    await rep.close();
  });

  it('does not read a file outside the source that the playlist names', async () => {
    const { source, rep, pushAndWait } = await setup();
    source.write('stream0.ts');
    source.write('stream2.ts');
    await pushAndWait(m3u8(0, ['stream0.ts', '../../etc/passwd', 'stream2.ts']), 2);
    assert.deepEqual(
      rep.timeline.segments.map((s) => s.discontinuity),
      [false, true],
    );
    assert.equal(source.reads.filter((u) => u.includes('passwd')).length, 1, 'not retried: it will never be allowed');
    await rep.close();
  });

  it('goes offline after max(3 x target duration, offlineAfter) without a new segment, with ENDLIST', async () => {
    const { source, rep, text, clock, events, pushAndWait } = await setup({ offlineAfterSeconds: 6 });
    for (const u of range(0, 3)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 2), { td: 4 }), 3);
    assert.equal(rep.status().offlineAfterSeconds, 12);
    const last = clock.now;
    clock.now = last + 11_999;
    rep.tick();
    assert.equal(rep.status().online, true);
    assert.doesNotMatch(text(), /ENDLIST/);
    clock.now = last + 12_000;
    rep.tick();
    assert.equal(rep.status().online, false);
    assert.match(text(), /#EXT-X-ENDLIST\n$/);
    assert.deepEqual(
      events.map((e) => e.type),
      ['online', 'offline'],
    );
    assert.equal(events[1]?.at, last + 12_000);
    await rep.close();
  });

  it('goes offline at once when OBS ends the playlist, and comes back with continuing numbers and a discontinuity', async () => {
    const { source, rep, text, clock, events, pushAndWait } = await setup();
    for (const u of range(0, 9)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 2)), 3);
    clock.now += 2000;
    await pushAndWait(m3u8(0, range(0, 3), { endList: true }), 4);
    await until(() => !rep.status().online, 'offline');
    assert.match(text(), /run1-3\.ts\n#EXT-X-ENDLIST\n$/);
    assert.equal(rep.main.sourceEnded, true);
    // OBS starts again, reusing its names from 0.
    clock.now += 60_000;
    source.write('stream0.ts', 'new recording, first segment');
    await pushAndWait(m3u8(0, range(0, 0)), 5);
    assert.equal(rep.status().online, true);
    const newest = rep.timeline.segments.at(-1);
    assert.equal(newest?.msn, 4, 'media sequence numbers continue');
    assert.equal(newest?.name, 'run1-4.ts');
    assert.equal(newest?.discontinuity, true);
    assert.doesNotMatch(text(), /ENDLIST/);
    assert.deepEqual(
      events.map((e) => e.type),
      ['online', 'offline', 'online'],
    );
    const parsed = parsePlaylist(text());
    assert.equal(parsed.segments.at(-1)?.discontinuity, true);
    await rep.close();
  });

  it('never reuses a public name across an OBS restart: the old name still serves the old bytes', async () => {
    const { source, rep, pushAndWait } = await setup();
    source.write('stream0.ts', 'first recording');
    source.write('stream1.ts', 'first recording, 1');
    await pushAndWait(m3u8(0, range(0, 1)), 2);
    const oldName = rep.timeline.segments[0]?.name;
    assert.equal(oldName, 'run1-0.ts');
    // OBS restarts and writes stream0.ts again, with other bytes.
    source.write('stream0.ts', 'second recording');
    await pushAndWait(m3u8(0, range(0, 0)), 3);
    const newName = rep.timeline.segments.at(-1)?.name;
    assert.ok(newName !== undefined && newName !== oldName);
    assert.equal(rep.lookup(newName)?.bytes.toString(), 'second recording');
    assert.equal(rep.lookup(oldName)?.bytes.toString(), 'first recording');
    assert.equal(rep.timeline.segments.at(-1)?.discontinuity, true);
    assert.equal(source.reads.filter((u) => u === 'stream0.ts').length, 2, 'the new stream0.ts was read, not taken from the cache');
    await rep.close();
  });

  it('says in its status when the source playlist names files outside the source (hls_base_url, absolute paths)', async () => {
    const { source, rep } = await setup();
    source.push(m3u8(0, ['http://192.168.1.20/hls/stream0.ts', '/c/OBS/stream1.ts']));
    await until(() => rep.status().playlistError !== null, 'a playlist error in the status');
    assert.equal(rep.status().playlistError?.code, 'path_outside_source');
    assert.equal(rep.playlist(), undefined, 'nothing published');
  });

  it('serves the init section even when the first segment that used it could not be read', async () => {
    const { source, rep, pushAndWait } = await setup();
    source.write('init.mp4', 'init A');
    source.write('s1.m4s');
    // s0.m4s is listed but never readable: the init section was read for it, then the segment failed.
    await pushAndWait(m3u8(0, range(0, 1, (i) => `s${i}.m4s`), { map: 'init.mp4' }), 1);
    const seg = rep.timeline.segments.at(-1);
    assert.ok(seg?.mapName, 'the published segment names its init section');
    assert.equal(rep.lookup(seg.mapName)?.bytes.toString(), 'init A', 'and the init section is servable');
  });

  it('serves the init section again after every segment that used it left the window', async () => {
    const { source, rep, clock, pushAndWait } = await setup({ windowSeconds: 4 });
    source.write('init.mp4', 'init A');
    for (let i = 0; i < 12; i++) source.write(`s${i}.m4s`);
    await pushAndWait(m3u8(0, range(0, 1, (i) => `s${i}.m4s`), { map: 'init.mp4' }), 2);
    for (let n = 2; n < 12; n++) {
      clock.now += 60_000; // long enough for retired segments to expire
      rep.tick();
      await pushAndWait(m3u8(n - 1, range(n - 1, n, (i) => `s${i}.m4s`), { map: 'init.mp4' }), n + 1);
    }
    for (const seg of rep.timeline.segments) {
      assert.ok(seg.mapName && rep.lookup(seg.mapName), `init section of ${seg.name} is servable`);
    }
  });

  it('re-reads the init section (EXT-X-MAP) after a restart and gives it a new public name', async () => {
    const { source, rep, text, pushAndWait } = await setup();
    source.write('init.mp4', 'init A');
    for (const u of range(0, 2, (i) => `s${i}.m4s`)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 1, (i) => `s${i}.m4s`), { map: 'init.mp4' }), 2);
    const firstMap = rep.timeline.segments[0]?.mapName;
    assert.ok(firstMap !== undefined);
    assert.equal(rep.timeline.segments[1]?.mapName, firstMap, 'one init section for the recording');
    assert.equal(source.reads.filter((u) => u === 'init.mp4').length, 1);
    assert.equal(rep.lookup(firstMap)?.bytes.toString(), 'init A');
    assert.equal(rep.lookup(firstMap)?.contentType, 'video/mp4');
    assert.equal(rep.lookup('run1-0.m4s')?.contentType, 'video/iso.segment');
    assert.match(text(), /#EXT-X-VERSION:7/);
    assert.match(text(), new RegExp(`#EXT-X-MAP:URI="${firstMap}"\n#EXTINF:2,\nrun1-0\\.m4s`));
    // OBS restarts: same file names, new init section.
    source.write('init.mp4', 'init B');
    source.write('s0.m4s', 'new s0');
    await pushAndWait(m3u8(0, ['s0.m4s'], { map: 'init.mp4' }), 3);
    const secondMap = rep.timeline.segments.at(-1)?.mapName;
    assert.ok(secondMap !== undefined && secondMap !== firstMap);
    assert.equal(source.reads.filter((u) => u === 'init.mp4').length, 2);
    assert.equal(rep.lookup(secondMap)?.bytes.toString(), 'init B');
    assert.equal(rep.lookup(firstMap)?.bytes.toString(), 'init A');
    assert.match(text(), new RegExp(`#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="${secondMap}"\n#EXTINF:2,\nrun1-2\\.m4s`));
    await rep.close();
  });

  it('keeps serving segments that left the window for their grace period', async () => {
    const { source, rep, clock, pushAndWait } = await setup({ windowSeconds: 6 });
    for (const u of range(0, 20)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 0)), 1);
    for (let i = 1; i <= 10; i++) {
      clock.now += 2000;
      await pushAndWait(m3u8(Math.max(0, i - 4), range(Math.max(0, i - 4), i)), i + 1);
    }
    assert.ok(rep.timeline.mediaSequence > 0);
    const retired = rep.timeline.retired.map((r) => r.segment.name);
    assert.ok(retired.includes('run1-4.ts'));
    assert.equal(rep.lookup('run1-4.ts')?.bytes.toString(), 'bytes of stream4.ts');
    assert.ok(!rep.timeline.segments.some((s) => s.name === 'run1-4.ts'));
    await rep.close();
  });

  it('reports an unusable playlist in its status and keeps what it has', async () => {
    const { source, rep, pushAndWait } = await setup();
    for (const u of range(0, 3)) source.write(u);
    await pushAndWait(m3u8(0, range(0, 1)), 2);
    source.push('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nother.m3u8\n');
    await until(() => rep.status().playlistError !== null, 'playlist error');
    assert.equal(rep.status().playlistError?.code, ErrorCode.PlaylistInvalid);
    assert.equal(rep.timeline.segments.length, 2);
    await pushAndWait(m3u8(0, range(0, 2)), 3);
    assert.equal(rep.status().playlistError, null);
    await rep.close();
  });

  it('never loses a playlist version that arrives just as the previous one is done', async () => {
    // However many microtask turns pass between two versions, the newer one is processed.
    for (let turns = 0; turns < 12; turns++) {
      const { source, rep } = await setup();
      for (const u of range(0, 3)) source.write(u);
      source.push('#EXTM3U\nnot a media playlist line\n');
      for (let i = 0; i < turns; i++) await Promise.resolve();
      source.push(m3u8(0, range(0, 1)));
      await until(() => rep.timeline.segments.length === 2, 'the newer version', 300).catch(() => undefined);
      assert.equal(rep.timeline.segments.length, 2, `version lost after ${turns} microtask turns`);
      assert.equal(rep.status().playlistError, null);
      await rep.close();
    }
  });

  it('gives every segment its own public name forever, across OBS restarts that reuse its file names (fast-check)', async () => {
    const event = fc.oneof({ weight: 5, arbitrary: fc.constant('segment' as const) }, { weight: 1, arbitrary: fc.constant('restart' as const) });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 25 }), async (events) => {
        const { source, rep, clock } = await setup({ windowSeconds: 6 });
        const seenBytes = new Map<string, string>();
        const nameOf = new Map<string, string>();
        let rec = 0;
        let k = 0;
        const check = () => {
          for (const s of rep.timeline.segments) {
            const bytes = rep.lookup(s.name)?.bytes.toString();
            assert.ok(bytes !== undefined, `${s.name} in the playlist but not servable`);
            const before = seenBytes.get(s.name);
            if (before === undefined) {
              assert.ok(!nameOf.has(bytes), `${bytes} published twice`);
              seenBytes.set(s.name, bytes);
              nameOf.set(bytes, s.name);
            } else assert.equal(bytes, before, `${s.name} now serves other bytes`);
          }
          for (const [name, bytes] of seenBytes) {
            const now = rep.lookup(name);
            if (now !== undefined) assert.equal(now.bytes.toString(), bytes, `${name} reused`);
          }
        };
        for (const e of events) {
          // A restart needs two segments behind it to be told apart (numbers going back); see source-tracker.
          if (e === 'restart' && k >= 2) {
            rec += 1;
            k = 0;
          }
          const content = `recording ${rec}, segment ${k}`;
          source.write(`stream${k}.ts`, content);
          k += 1;
          clock.now += 2000;
          const first = Math.max(0, k - 5);
          source.push(m3u8(first, range(first, k - 1)));
          await until(() => rep.lookup(rep.timeline.segments.at(-1)?.name ?? '')?.bytes.toString() === content, content);
          check();
        }
        await rep.close();
      }),
      { numRuns: 25 },
    );
  });
});
