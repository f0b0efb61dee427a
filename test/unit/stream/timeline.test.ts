import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PublishedSegment } from '../../../src/hls/playlist-model.js';
import { renderMediaPlaylist } from '../../../src/hls/render-media-playlist.js';
import { appendSegment, expireRetired, goOffline, startsNewPresentation, isStale, newTimeline, nextMsn, offlineTimeoutSeconds, servableNames, type NewSegment, type Timeline } from '../../../src/stream/timeline.js';
import { isEndDue, nextSlateDue, appendSlate, goOffAir } from '../../../src/stream/timeline-slate.js';
import { mediaPlaylistOf } from '../../../src/stream/timeline-view.js';

const renderTimeline = (t: Timeline) => renderMediaPlaylist(mediaPlaylistOf(t));

const T0 = 1_800_000_000_000;

function seg(name: string, duration: number, extra: Partial<NewSegment> = {}): NewSegment {
  return {
    name,
    duration,
    discontinuity: false,
    byteLength: 1000,
    sourceTargetDuration: 2,
    sourceVersion: 3,
    independentSegments: false,
    ...extra,
  };
}

const total = (segments: PublishedSegment[]) => segments.reduce((a, s) => a + s.duration, 0);

/** Appends n segments of `duration` seconds, one every `duration` seconds. */
function live(n: number, duration = 2, windowSeconds = 12): { t: Timeline; now: number } {
  let t = newTimeline(T0);
  let now = T0;
  for (let i = 0; i < n; i++) {
    now += duration * 1000;
    t = appendSegment(t, seg(`s${i}.ts`, duration), now, { windowSeconds });
  }
  return { t, now };
}

describe('timeline: examples', () => {
  it('starts empty and offline; the first segment makes it live without a discontinuity', () => {
    const empty = newTimeline(T0);
    assert.equal(empty.live, false);
    assert.equal(renderTimeline(empty), null);
    const t = appendSegment(empty, seg('a.ts', 2, { discontinuity: true }), T0 + 1, { windowSeconds: 12 });
    assert.equal(t.live, true);
    assert.equal(t.segments[0]?.discontinuity, false, 'a discontinuity before the very first segment means nothing');
    assert.equal(t.segments[0]?.msn, 0);
    assert.equal(t.targetDuration, 2);
    assert.equal(t.since, T0 + 1);
  });

  it('keeps a window of windowSeconds (and at least 3 target durations), moving the media sequence by one per segment that left', () => {
    const { t } = live(20);
    assert.equal(total(t.segments), 12);
    assert.equal(t.mediaSequence, 14);
    assert.deepEqual(
      t.segments.map((s) => s.msn),
      [14, 15, 16, 17, 18, 19],
    );
    const short = live(20, 2, 2).t;
    assert.equal(total(short.segments), 6, '3 x target duration when windowSeconds is shorter');
  });

  it('keeps its target duration while live, and raises it rather than lie when a segment is longer', () => {
    const { t, now } = live(5);
    assert.equal(t.targetDuration, 2);
    const t2 = appendSegment(t, seg('long.ts', 2.4), now + 2400, { windowSeconds: 12 });
    assert.equal(t2.targetDuration, 2, '2.4 rounds to 2');
    const t3 = appendSegment(t2, seg('longer.ts', 3.6), now + 6000, { windowSeconds: 12 });
    assert.equal(t3.targetDuration, 4);
  });

  it('takes the source target duration when it is larger than the first EXTINF', () => {
    const t = appendSegment(newTimeline(T0), seg('a.ts', 1.5, { sourceTargetDuration: 6 }), T0, { windowSeconds: 12 });
    assert.equal(t.targetDuration, 6);
  });

  it('goes offline after max(3 x target duration, offlineAfter) without a new segment, and back with a discontinuity', () => {
    const { t, now } = live(10, 4);
    assert.equal(offlineTimeoutSeconds(t, { offlineAfterSeconds: 6 }), 12);
    assert.equal(offlineTimeoutSeconds(t, { offlineAfterSeconds: 30 }), 30);
    assert.equal(isStale(t, now + 11_999, { offlineAfterSeconds: 6 }), false);
    assert.equal(isStale(t, now + 12_000, { offlineAfterSeconds: 6 }), true);
    const off = goOffline(t, now + 12_000);
    assert.equal(off.live, false);
    assert.deepEqual(off.segments, t.segments, 'the window stays, so late viewers can play it out');
    assert.match(renderTimeline(off) ?? '', /#EXT-X-ENDLIST\n$/);
    assert.equal(isStale(off, now + 100_000, { offlineAfterSeconds: 6 }), false);
    const back = appendSegment(off, seg('new0.ts', 4), now + 60_000, { windowSeconds: 12 });
    assert.equal(back.live, true);
    assert.equal(back.since, now + 60_000);
    const newest = back.segments.at(-1);
    assert.equal(newest?.msn, nextMsn(t));
    assert.equal(newest?.discontinuity, true);
    assert.doesNotMatch(renderTimeline(back) ?? '', /ENDLIST/);
  });

  it('keeps a retired segment servable for its duration plus the longest playlist, then forgets it', () => {
    const { t: t6 } = live(6); // 12 s, nothing retired yet
    assert.equal(t6.retired.length, 0);
    const now = T0 + 14_000;
    const t7 = appendSegment(t6, seg('s6.ts', 2), now, { windowSeconds: 12 });
    assert.deepEqual(
      t7.retired.map((r) => r.segment.name),
      ['s0.ts'],
    );
    assert.ok(servableNames(t7).includes('s0.ts'));
    // Longest playlist: 14 s (7 segments before the trim); plus 2 s of its own.
    assert.ok(servableNames(expireRetired(t7, now + 15_999)).includes('s0.ts'));
    assert.ok(!servableNames(expireRetired(t7, now + 16_000)).includes('s0.ts'));
  });

  it('lists init sections among the servable names, most wanted first, and raises the version for EXT-X-MAP', () => {
    const t = appendSegment(newTimeline(T0), seg('a.m4s', 2, { mapName: 'init0.mp4', sourceVersion: 7, independentSegments: true }), T0, { windowSeconds: 12 });
    assert.deepEqual(servableNames(t), ['init0.mp4', 'a.m4s']);
    const t3 = appendSegment(t, seg('b.m4s', 2, { mapName: 'init0.mp4' }), T0 + 2000, { windowSeconds: 12 });
    assert.deepEqual([...new Set(servableNames(t3))], ['init0.mp4', 'b.m4s', 'a.m4s'], 'the live edge first');
    assert.equal(t.version, 7);
    assert.equal(t.independentSegments, true);
    const t2 = appendSegment(newTimeline(T0), seg('a.m4s', 2, { mapName: 'init0.mp4', sourceVersion: 3 }), T0, { windowSeconds: 12 });
    assert.ok(t2.version >= 6, 'EXT-X-MAP in a media playlist needs version 6');
  });
});

describe('timeline: a stream that starts again after EXT-X-ENDLIST is a new presentation (RFC 8216 6.2.1; issue 10, item 3)', () => {
  const W = { windowSeconds: 12 };
  /** A stream that went live with target duration `td` (3 segments), then ended at `offAt`. */
  const endedRun = (td: number, offAt: number) => {
    let t = newTimeline(T0);
    for (let i = 0; i < 3; i++) t = appendSegment(t, seg(`old${i}.ts`, td, { sourceTargetDuration: td }), T0 + i * 1000, W);
    return goOffline(t, offAt);
  };

  it('never takes ENDLIST back: the new run starts a fresh playlist, with a fresh target duration and the sequences moving on', () => {
    const off = endedRun(50, T0 + 10_000);
    assert.equal(off.targetDuration, 50);
    assert.equal(startsNewPresentation(off), true);
    const back = appendSegment(off, seg('new0.ts', 2), T0 + 20_000, W);
    assert.equal(back.targetDuration, 2, 'the old 50 s target duration does not hold the new run');
    assert.deepEqual(back.segments.map((s) => [s.name, s.msn, s.discontinuity]), [['new0.ts', 3, true]]);
    assert.equal(back.mediaSequence, 3, 'one step per segment that left');
    assert.equal(back.discontinuitySequence, off.discontinuitySequence + off.segments.filter((s) => s.discontinuity).length);
    assert.ok(servableNames(back).includes('old2.ts'), 'the old segments stay downloadable for their grace period');
    assert.equal(offlineTimeoutSeconds(back, { offlineAfterSeconds: 6 }), 6, 'and the stream can go offline again in a normal time');
  });

  it('does not start a new presentation while the playlist is open', () => {
    let t = newTimeline(T0);
    assert.equal(startsNewPresentation(t), false, 'nothing published yet');
    t = appendSegment(t, seg('a.ts', 2), T0, W);
    assert.equal(startsNewPresentation(t), false);
    assert.equal(startsNewPresentation(goOffAir(t, T0 + 7000)), false, 'off air with the slate: the playlist is still open');
  });
});

describe('timeline: the offline slate while OBS is away (issue 12)', () => {
  const W = { windowSeconds: 6 };
  const live = () => {
    let t = newTimeline(T0);
    for (let i = 0; i < 4; i++) t = appendSegment(t, seg(`s${i}.ts`, 2), T0 + i * 2000, W);
    return t;
  };
  const slate = (name: string) => ({ name, duration: 1.066667, byteLength: 10 });

  it('is due 1.5 target durations after the last segment, then each time the one before has played', () => {
    const t = live();
    assert.equal(nextSlateDue(t), T0 + 6000 + 3000);
    const s1 = appendSlate(t, slate('slate1.ts'), T0 + 9000, W);
    assert.equal(nextSlateDue(s1), T0 + 9000 + 1066.667);
    assert.equal(nextSlateDue(goOffline(t, T0 + 9000)), null, 'none once the playlist ended');
    assert.equal(nextSlateDue(newTimeline(T0)), null, 'none before anything was published');
  });

  it('follows a discontinuity, keeps the target duration, leaves the stream on air until the offline timeout, and OBS comes back after another discontinuity', () => {
    const t = live();
    const s1 = appendSlate(t, slate('slate1.ts'), T0 + 9000, W);
    const s2 = appendSlate(s1, slate('slate2.ts'), T0 + 10_067, W);
    assert.deepEqual(s2.segments.slice(-2).map((s) => [s.name, s.discontinuity, s.slate]), [['slate1.ts', true, true], ['slate2.ts', false, true]]);
    assert.equal(s2.targetDuration, 2);
    assert.equal(s2.onAir, true, 'a short gap is not offline');
    assert.equal(isStale(s2, T0 + 6000 + 5999, { offlineAfterSeconds: 6 }), false);
    assert.equal(isStale(s2, T0 + 6000 + 6000, { offlineAfterSeconds: 6 }), true, 'slate segments do not count as OBS sending');
    const off = goOffAir(s2, T0 + 12_000);
    assert.equal(off.live, true, 'the playlist stays open');
    assert.equal(renderTimeline(off)?.includes('#EXT-X-ENDLIST'), false);
    const back = appendSegment(off, seg('s4.ts', 2), T0 + 13_000, W);
    assert.equal(back.onAir, true);
    assert.deepEqual(back.segments.at(-1)?.discontinuity, true);
    assert.equal(back.segments.at(-1)?.msn, (s2.segments.at(-1)?.msn ?? 0) + 1, 'the media sequence goes on');
  });

  it('ends the playlist once OBS has been away for the end-after time', () => {
    const off = goOffAir(appendSlate(live(), slate('slate1.ts'), T0 + 9000, W), T0 + 12_000);
    assert.equal(isEndDue(off, T0 + 12_000 + 1_799_999, 1800), false);
    assert.equal(isEndDue(off, T0 + 12_000 + 1_800_000, 1800), true);
    const ended = goOffline(off, T0 + 12_000 + 1_800_000);
    assert.equal(renderTimeline(ended)?.endsWith('#EXT-X-ENDLIST\n'), true);
    assert.throws(() => appendSlate(ended, slate('x.ts'), T0 + 2_000_000, W), /ENDLIST/);
  });
});

// ---------------------------------------------------------------------------
// Property: random streams keep every RFC 8216 live-playlist rule.

type Op =
  | { kind: 'append'; duration: number; discontinuity: boolean; map: number | null; gapMs: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'offline' };

const opArb = (maxDuration: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), duration: fc.double({ min: 0.05, max: maxDuration, noNaN: true }), discontinuity: fc.boolean(), map: fc.option(fc.integer({ min: 0, max: 2 })), gapMs: fc.integer({ min: 0, max: 4000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30_000 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'offline' as const }) },
  );

interface Check {
  firstTd: number | null;
  allFit: boolean;
  publishedSeconds: number;
  discontinuitiesLeft: number;
  names: Set<string>;
  msnToName: Map<number, string>;
  /** Name -> [when it left, its duration, longest playlist (s) that held it] */
  left: Map<string, { at: number; duration: number; longest: number }>;
  holders: Map<string, number>;
}

function runModel(ops: Op[], windowSeconds: number, offlineAfterSeconds: number, sourceTd: number): void {
  let t = newTimeline(T0);
  let now = T0;
  let n = 0;
  const c: Check = { firstTd: null, allFit: true, publishedSeconds: 0, discontinuitiesLeft: 0, names: new Set(), msnToName: new Map(), left: new Map(), holders: new Map() };

  /** `fresh`: a comeback after the old window drained, which starts a new playlist (all old segments leave, a new target duration). */
  const step = (next: Timeline, label: string, fresh = false) => {
    const prev = t;
    // Media sequence: never down, up by exactly the number of segments that left.
    const prevMsns = new Set(prev.segments.map((s) => s.msn));
    const nextMsns = new Set(next.segments.map((s) => s.msn));
    const leftNow = prev.segments.filter((s) => !nextMsns.has(s.msn));
    assert.ok(next.mediaSequence >= prev.mediaSequence, `${label}: media sequence went down`);
    assert.equal(next.mediaSequence - prev.mediaSequence, leftNow.length, `${label}: media sequence moved by the segments that left`);
    // Discontinuity sequence: the number of discontinuity tags that left.
    c.discontinuitiesLeft += leftNow.filter((s) => s.discontinuity).length;
    assert.ok(next.discontinuitySequence >= prev.discontinuitySequence);
    assert.equal(next.discontinuitySequence, c.discontinuitiesLeft, `${label}: discontinuity sequence`);
    // Segments leave from the front only, and only while live (nothing is removed once ENDLIST is out).
    if (leftNow.length > 0) {
      assert.deepEqual(leftNow, prev.segments.slice(0, leftNow.length), 'segments leave in order');
      assert.ok(next.live, 'no segment removed from an ended playlist');
    }
    // msn = mediaSequence + index; each msn names one segment forever.
    next.segments.forEach((s, i) => {
      assert.equal(s.msn, next.mediaSequence + i);
      const known = c.msnToName.get(s.msn);
      if (known === undefined) {
        assert.ok(!prevMsns.has(s.msn));
        c.msnToName.set(s.msn, s.name);
      } else assert.equal(known, s.name, `msn ${s.msn} renamed`);
    });
    // Target duration: fixed while every EXTINF rounds to no more than the first one.
    if (c.firstTd === null && next.targetDuration > 0) c.firstTd = next.targetDuration;
    if (c.allFit && c.firstTd !== null) assert.equal(next.targetDuration, c.firstTd, `${label}: target duration changed`);
    if (!fresh) assert.ok(next.targetDuration >= prev.targetDuration, 'target duration never goes down');
    // Window length.
    const windowTotal = total(next.segments);
    if (next.segments.length > 0) {
      const required = Math.max(3 * next.targetDuration, windowSeconds);
      const first = next.segments[0] as PublishedSegment;
      assert.ok(windowTotal - first.duration < required + 1e-9, `${label}: window longer than needed: ${windowTotal}`);
      if (c.allFit) assert.ok(windowTotal >= Math.min(c.publishedSeconds, required) - 1e-9, `${label}: window too short: ${windowTotal} of ${c.publishedSeconds}`);
      if (fresh) assert.equal(next.segments.length, 1, `${label}: a fresh start after the old window drained lists only the new segment`);
      else if (leftNow.length > 0) assert.ok(windowTotal >= required - 1e-9, 'a removal never leaves less than the required window');
    } else assert.equal(c.publishedSeconds, 0, 'once something was published, the window is never empty');
    // Retired segments stay servable for their duration plus the longest playlist that held them.
    for (const s of next.segments) c.holders.set(s.name, Math.max(c.holders.get(s.name) ?? 0, windowTotal));
    for (const s of leftNow) c.left.set(s.name, { at: now, duration: s.duration, longest: c.holders.get(s.name) ?? 0 });
    const servable = new Set(servableNames(next));
    const segmentNames = [...next.segments, ...next.retired.map((r) => r.segment)].map((s) => s.name);
    assert.equal(new Set(segmentNames).size, segmentNames.length, 'a name is in the window or retired, once');
    for (const s of next.segments) assert.ok(servable.has(s.name));
    for (const [name, l] of c.left) {
      const until = l.at + (l.duration + l.longest) * 1000;
      if (now < until) assert.ok(servable.has(name), `${label}: ${name} dropped ${until - now} ms early`);
    }
    // The rendered text: EXTINF rounded <= TARGETDURATION, ENDLIST exactly when offline.
    const text = renderTimeline(next);
    if (next.segments.length > 0) {
      assert.ok(text !== null);
      const td = Number(/#EXT-X-TARGETDURATION:(\d+)\n/.exec(text)?.[1]);
      assert.equal(td, next.targetDuration);
      for (const m of text.matchAll(/#EXTINF:([0-9.]+),/g)) assert.ok(Math.round(Number(m[1])) <= td, `EXTINF ${m[1]} > ${td}`);
      assert.equal(text.includes('#EXT-X-ENDLIST'), !next.live);
    }
    t = next;
  };

  for (const op of ops) {
    if (op.kind === 'append') {
      now += op.gapMs;
      const name = `run-${n++}.ts`;
      assert.ok(!c.names.has(name));
      c.names.add(name);
      const wasOffline = !t.live && t.segments.length > 0;
      const fresh = startsNewPresentation(t);
      if (fresh) {
        // The old playlist played out: the new one is judged on its own.
        c.firstTd = null;
        c.allFit = true;
        c.publishedSeconds = 0;
      }
      if (Math.round(op.duration) > (c.firstTd ?? Math.max(Math.ceil(sourceTd), Math.round(op.duration), 1))) c.allFit = false;
      c.publishedSeconds += op.duration;
      const next = appendSegment(
        t,
        seg(name, op.duration, { discontinuity: op.discontinuity, sourceTargetDuration: sourceTd, ...(op.map === null ? {} : { mapName: `init${op.map}.mp4` }) }),
        now,
        { windowSeconds },
      );
      const added = next.segments.at(-1);
      assert.equal(added?.name, name);
      assert.equal(added?.msn, nextMsn(t));
      assert.equal(next.live, true);
      if (wasOffline) assert.equal(added?.discontinuity, true, 'coming back online puts a discontinuity first');
      if (fresh) assert.equal(next.targetDuration, Math.max(Math.ceil(sourceTd), Math.round(op.duration), 1), 'a fresh start takes a fresh target duration');
      step(next, `append ${name}`, fresh);
    } else if (op.kind === 'tick') {
      now += op.ms;
      const stale = isStale(t, now, { offlineAfterSeconds });
      const quiet = t.lastSegmentAt === null ? 0 : now - t.lastSegmentAt;
      assert.equal(stale, t.live && quiet >= offlineTimeoutSeconds(t, { offlineAfterSeconds }) * 1000);
      let next = stale ? goOffline(t, now) : t;
      next = expireRetired(next, now);
      for (const r of next.retired) assert.ok(r.expiresAt > now, 'expired segments are forgotten');
      step(next, 'tick');
    } else {
      step(goOffline(t, now), 'offline');
    }
  }
}

describe('timeline: RFC 8216 rules over random streams (fast-check)', () => {
  it('holds every rule when segments fit the target duration', () => {
    fc.assert(
      fc.property(fc.array(opArb(2.49), { maxLength: 120 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 20 }), (ops, windowSeconds, offlineAfter) => {
        runModel(ops, windowSeconds, offlineAfter, 2);
      }),
      { numRuns: 400 },
    );
  });

  it('holds every rule that still applies when OBS writes segments longer than its target duration', () => {
    fc.assert(
      fc.property(fc.array(opArb(9), { maxLength: 120 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 6 }), (ops, windowSeconds, offlineAfter, td) => {
        runModel(ops, windowSeconds, offlineAfter, td);
      }),
      { numRuns: 400 },
    );
  });
});
