import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SourcePlaylist, SourceSegment } from '../../../src/hls/playlist-model.js';
import { newSourceTracker, planIngest, type IngestItem, type SourceTracker } from '../../../src/stream/source-tracker.js';

const WINDOW = 12;

/** OBS's playlist listing segments first..last (inclusive), named like OBS names them. */
function obs(first: number, last: number, opts: { prefix?: string; duration?: number; endList?: boolean; disc?: number[] } = {}): SourcePlaylist {
  const segments: SourceSegment[] = [];
  for (let i = first; i <= last; i++) {
    segments.push({ uri: `${opts.prefix ?? '2026-11-20 18-04-15'} ${i}.ts`, duration: opts.duration ?? 2, discontinuity: opts.disc?.includes(i) ?? false });
  }
  return {
    version: 3,
    targetDuration: Math.ceil(opts.duration ?? 2),
    mediaSequence: first,
    discontinuitySequence: 0,
    independentSegments: false,
    endList: opts.endList ?? false,
    segments,
  };
}

const msns = (items: IngestItem[]) => items.map((i) => i.sourceMsn);
const discs = (items: IngestItem[]) => items.map((i) => i.discontinuity);
const totalSeconds = (items: IngestItem[]) => items.reduce((a, i) => a + i.duration, 0);

/** Feeds versions one after another, returning each plan. */
function feed(versions: Array<[string, SourcePlaylist]>, start: SourceTracker = newSourceTracker()) {
  let tracker = start;
  return versions.map(([name, p]) => {
    const plan = planIngest(tracker, name, p, WINDOW);
    tracker = plan.tracker;
    return plan;
  });
}

describe('planIngest', () => {
  it('takes only a baseline on the first look: a playlist found on disk may be hours old', () => {
    const plan = planIngest(newSourceTracker(), 'stream.m3u8', obs(0, 500), WINDOW);
    assert.deepEqual(plan.items, []);
    assert.equal(plan.restarted, false);
    assert.equal(plan.tracker.name, 'stream.m3u8');
    assert.equal(plan.tracker.lastMsn, 500);
  });

  it('publishes the window tail when OBS adds a segment after the baseline, then only new segments', () => {
    const [, second, third, same, fourth] = feed([
      ['s.m3u8', obs(0, 9)],
      ['s.m3u8', obs(0, 10)],
      ['s.m3u8', obs(0, 11)],
      ['s.m3u8', obs(0, 11)],
      ['s.m3u8', obs(0, 13)],
    ]);
    assert.ok(second && third && same && fourth);
    // 12 s of 2 s segments: the newest 6, the new one last.
    assert.deepEqual(msns(second.items), [5, 6, 7, 8, 9, 10]);
    assert.equal(totalSeconds(second.items), WINDOW);
    assert.ok(discs(second.items).every((d) => !d), 'no discontinuity: it is one continuous recording');
    assert.equal(second.restarted, false);
    assert.equal(second.items[0]?.uri, '2026-11-20 18-04-15 5.ts');
    assert.deepEqual(msns(third.items), [11]);
    assert.deepEqual(same.items, []);
    assert.deepEqual(msns(fourth.items), [12, 13]);
    assert.ok(discs(fourth.items).every((d) => !d));
    assert.ok([second, third, fourth].every((p) => p.items.every((i) => i.epoch === second.items[0]?.epoch)));
  });

  it('publishes at once when the source had no playlist at first (the republisher primes the tracker)', () => {
    const waiting: SourceTracker = { ...newSourceTracker(), primed: true, name: '' };
    const plan = planIngest(waiting, 'stream.m3u8', obs(0, 1), WINDOW);
    assert.deepEqual(msns(plan.items), [0, 1]);
  });

  it('follows a delete_segments sliding window one segment at a time, without discontinuities', () => {
    const versions: Array<[string, SourcePlaylist]> = [];
    for (let last = 4; last < 40; last++) versions.push(['s.m3u8', obs(Math.max(0, last - 4), last)]);
    const plans = feed(versions);
    const taken = plans.flatMap((p) => p.items);
    // Every segment from the first window-fill on, once each, in order.
    const first = taken[0]?.sourceMsn ?? -1;
    assert.deepEqual(msns(taken), Array.from({ length: 40 - first }, (_, i) => first + i));
    assert.ok(discs(taken).every((d) => !d));
    assert.ok(plans.every((p) => !p.restarted));
  });

  it('sees OBS restarting with the media sequence back at 0 and the same names: all listed segments, discontinuity on the first', () => {
    const [, , restart, after] = feed([
      ['stream.m3u8', obs(95, 99)],
      ['stream.m3u8', obs(96, 100)],
      ['stream.m3u8', obs(0, 1)],
      ['stream.m3u8', obs(0, 2)],
    ]);
    assert.ok(restart && after);
    assert.equal(restart.restarted, true);
    assert.deepEqual(msns(restart.items), [0, 1]);
    assert.deepEqual(discs(restart.items), [true, false]);
    assert.deepEqual(msns(after.items), [2]);
    assert.deepEqual(discs(after.items), [false]);
    assert.equal(after.restarted, false);
    const before = feed([
      ['stream.m3u8', obs(95, 99)],
      ['stream.m3u8', obs(96, 100)],
    ])[1];
    assert.notEqual(restart.items[0]?.epoch, before?.items[0]?.epoch, 'a restart starts a new epoch');
    assert.equal(after.items[0]?.epoch, restart.items[0]?.epoch);
  });

  it('sees a new playlist name (OBS names each recording by its start time) as a restart', () => {
    const [, , next] = feed([
      ['2026-11-20 18-04-15.m3u8', obs(0, 5)],
      ['2026-11-20 18-04-15.m3u8', obs(0, 6)],
      ['2026-11-20 19-30-00.m3u8', obs(0, 0, { prefix: '2026-11-20 19-30-00' })],
    ]);
    assert.ok(next);
    assert.equal(next.restarted, true);
    assert.deepEqual(msns(next.items), [0]);
    assert.deepEqual(discs(next.items), [true]);
  });

  it('sees a listed media sequence number now naming another file as a restart', () => {
    const [, , next] = feed([
      ['s.m3u8', obs(0, 5)],
      ['s.m3u8', obs(0, 6)],
      // Same numbers, but a new recording wrote them (e.g. OBS's "stream%d.ts" with a new prefix).
      ['s.m3u8', obs(0, 7, { prefix: 'other' })],
    ]);
    assert.ok(next);
    assert.equal(next.restarted, true);
    assert.equal(next.items[0]?.discontinuity, true);
    assert.equal(next.items.at(-1)?.sourceMsn, 7);
    assert.ok(next.items.every((i) => i.uri.startsWith('other ')));
  });

  it('puts a discontinuity before a gap (segments OBS dropped before the relay saw them)', () => {
    // Several versions missed, but every segment after the last one taken is still listed: no gap.
    const [, , , noGap] = feed([
      ['s.m3u8', obs(0, 4)],
      ['s.m3u8', obs(1, 5)],
      ['s.m3u8', obs(2, 6)],
      ['s.m3u8', obs(5, 9)],
    ]);
    assert.ok(noGap);
    assert.deepEqual(msns(noGap.items), [7, 8, 9]);
    assert.deepEqual(discs(noGap.items), [false, false, false]);
    // 7 and 8 left OBS's window before the relay saw them.
    const [, , , realGap] = feed([
      ['s.m3u8', obs(0, 4)],
      ['s.m3u8', obs(1, 5)],
      ['s.m3u8', obs(2, 6)],
      ['s.m3u8', obs(9, 13)],
    ]);
    assert.ok(realGap);
    assert.equal(realGap.restarted, false);
    assert.deepEqual(msns(realGap.items), [9, 10, 11, 12, 13]);
    assert.deepEqual(discs(realGap.items), [true, false, false, false, false]);
  });

  it('keeps the discontinuity tags OBS wrote', () => {
    const [, second, third] = feed([
      ['s.m3u8', obs(0, 3)],
      ['s.m3u8', obs(0, 4)],
      ['s.m3u8', obs(0, 6, { disc: [6] })],
    ]);
    assert.ok(second && third);
    assert.deepEqual(msns(third.items), [5, 6]);
    assert.deepEqual(discs(third.items), [false, true]);
  });

  it('takes about one window from a huge list (hls_list_size=0), also after a restart or a long gap', () => {
    const [, first] = feed([
      ['s.m3u8', obs(0, 9_999)],
      ['s.m3u8', obs(0, 10_000)],
    ]);
    assert.ok(first);
    assert.equal(totalSeconds(first.items), WINDOW);
    assert.equal(first.items.at(-1)?.sourceMsn, 10_000);

    const [, , missed] = feed([
      ['s.m3u8', obs(0, 9)],
      ['s.m3u8', obs(0, 10)],
      ['s.m3u8', obs(0, 5_000)],
    ]);
    assert.ok(missed);
    assert.ok(totalSeconds(missed.items) >= WINDOW && totalSeconds(missed.items) < WINDOW + 2);
    assert.equal(missed.items[0]?.discontinuity, true, 'skipping segments in the middle is a discontinuity');

    const [, , restart] = feed([
      ['a.m3u8', obs(0, 9)],
      ['a.m3u8', obs(0, 10)],
      ['b.m3u8', obs(0, 8_000, { prefix: 'b' })],
    ]);
    assert.ok(restart);
    assert.ok(totalSeconds(restart.items) >= WINDOW && totalSeconds(restart.items) < WINDOW + 2);
    assert.equal(restart.items[0]?.discontinuity, true);
  });

  it('reports ENDLIST', () => {
    const [first, second] = feed([
      ['s.m3u8', obs(0, 3)],
      ['s.m3u8', obs(0, 4, { endList: true })],
    ]);
    assert.equal(first?.ended, false);
    assert.equal(second?.ended, true);
    assert.deepEqual(msns(second?.items ?? []), [0, 1, 2, 3, 4]);
  });

  it('keeps the discontinuity of a restart whose first version lists no segment yet', () => {
    const [, , empty, next] = feed([
      ['s.m3u8', obs(0, 9)],
      ['s.m3u8', obs(0, 10)],
      ['t.m3u8', { ...obs(0, 0), segments: [] }],
      ['t.m3u8', obs(0, 0, { prefix: 't' })],
    ]);
    assert.ok(empty && next);
    assert.equal(empty.restarted, true);
    assert.deepEqual(empty.items, []);
    assert.deepEqual(msns(next.items), [0]);
    assert.equal(next.items[0]?.discontinuity, true, 'the new recording is a new media timeline');
    assert.notEqual(next.items[0]?.epoch, 0);
  });

  it('never takes a segment twice and never goes back, over random OBS behaviour', () => {
    // A model of OBS: a sliding window (or a growing list) that sometimes restarts and that the relay sometimes misses.
    // (A restart under the same playlist name whose listed numbers neither go back nor overlap the
    // ones seen cannot be told from a gap; OBS names each recording by its start time, as modelled here.)
    const step = fc.record({ advance: fc.integer({ min: 0, max: 8 }), restart: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), seen: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 10 }), (steps, listSize) => {
        let tracker = newSourceTracker();
        let rec = 0;
        let last = 3;
        const taken = new Set<string>();
        let prev: IngestItem | undefined;
        for (const s of steps) {
          if (s.restart) {
            rec += 1;
            last = s.advance - 1; // -1: the new recording's first version lists nothing yet
          } else last += s.advance;
          if (!s.seen) continue;
          const first = listSize === 0 ? 0 : Math.max(0, last - listSize + 1);
          const p = obs(first, last, { prefix: `rec${rec}` });
          const plan = planIngest(tracker, `rec${rec}.m3u8`, p, WINDOW);
          tracker = plan.tracker;
          for (const item of plan.items) {
            const key = item.uri;
            assert.ok(!taken.has(key), `${key} taken twice`);
            taken.add(key);
            if (prev !== undefined && prev.epoch === item.epoch) {
              assert.ok(item.sourceMsn > prev.sourceMsn, 'within an epoch, source order is kept');
              if (item.sourceMsn !== prev.sourceMsn + 1) assert.ok(item.discontinuity, 'a gap gets a discontinuity');
            }
            if (prev !== undefined && prev.epoch !== item.epoch) {
              assert.ok(item.epoch > prev.epoch);
              assert.ok(item.discontinuity, 'a new recording starts with a discontinuity');
            }
            prev = item;
          }
          assert.ok(totalSeconds(plan.items) < WINDOW + 2, 'never more than about one window at once');
        }
      }),
      { numRuns: 500 },
    );
  });
});
