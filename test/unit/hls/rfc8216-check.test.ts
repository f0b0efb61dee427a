// The RFC 8216 validator the integration tests run on every playlist the
// relay writes (test/helpers/rfc8216-check.ts): it passes what the relay's
// timeline renders, and catches each rule broken on purpose.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMediaPlaylist } from '../../../src/hls/render-media-playlist.js';
import { appendSegment, goOffline, newTimeline, type NewSegment, type Timeline } from '../../../src/stream/timeline.js';
import { mediaPlaylistOf } from '../../../src/stream/timeline-view.js';
import { Rfc8216Checker } from '../../helpers/rfc8216-check.js';

const T0 = 1_800_000_000_000;
const seg = (name: string, duration = 2, discontinuity = false): NewSegment => ({
  name,
  duration,
  discontinuity,
  byteLength: 1,
  sourceTargetDuration: 2,
  sourceVersion: 3,
  independentSegments: false,
});
const render = (t: Timeline) => renderMediaPlaylist(mediaPlaylistOf(t)) as string;

/** A live playlist as the relay writes it. */
function live(first: number, count: number, o: { td?: number; ms?: number; ds?: number; durations?: number[]; disc?: number[]; end?: boolean } = {}): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${o.td ?? 2}`, `#EXT-X-MEDIA-SEQUENCE:${o.ms ?? first}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${o.ds ?? 0}`];
  for (let i = 0; i < count; i++) {
    if (o.disc?.includes(first + i)) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${o.durations?.[i] ?? 2},`, `r-${first + i}.ts`);
  }
  if (o.end) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

const problemsOf = (versions: string[], at?: number[]) => {
  const c = new Rfc8216Checker();
  versions.forEach((v, i) => c.check(v, 'playlist', at?.[i]));
  return c.problems;
};

describe('the RFC 8216 validator of the integration tests', () => {
  it('passes what the timeline renders: a sliding window, going offline, a new presentation after ENDLIST, and another', () => {
    const w = { windowSeconds: 6 };
    let t = newTimeline(T0);
    const versions: string[] = [];
    let now = T0;
    for (let i = 0; i < 10; i++) {
      now += 2000;
      t = appendSegment(t, seg(`a${i}.ts`, 2, i === 5), now, w);
      versions.push(render(t));
    }
    t = goOffline(t, now);
    versions.push(render(t));
    t = appendSegment(t, seg('b0.ts'), now + 1000, w);
    versions.push(render(t));
    t = goOffline(t, now + 2000);
    versions.push(render(t));
    t = appendSegment(t, { ...seg('c0.ts', 5), sourceTargetDuration: 5 }, now + 60_000, w);
    versions.push(render(t));
    assert.deepEqual(problemsOf(versions), []);
    assert.deepEqual(problemsOf(versions.filter((_, i) => i % 3 === 0)), [], 'versions missed between two looks');
  });

  it('catches each rule broken', () => {
    const base = live(0, 4);
    const cases: Array<[string, string[], RegExp]> = [
      ['media sequence back', [live(3, 4), live(2, 4)], /media sequence went back 3 -> 2/],
      ['target duration changed while live', [base, live(1, 4, { td: 3 })], /target duration changed 2 -> 3 while live/],
      ['EXTINF over the target duration', [live(0, 3, { durations: [2, 2.6, 2] })], /EXTINF 2.6 rounds to more than the target duration 2/],
      ['discontinuity sequence not counting one that left', [live(0, 4, { disc: [1] }), live(2, 4)], /discontinuity sequence 0 -> 0, but 1 discontinuities left/],
      ['discontinuity sequence back', [live(0, 4, { ds: 2 }), live(1, 4, { ds: 1 })], /discontinuity sequence went back/],
      ['a number naming another segment', [base, base.replace('r-2.ts', 'other.ts')], /msn 2 named r-2\.ts, later other\.ts/],
      ['removed from the end', [base, live(0, 3)], /removed from the end/],
      ['a removal below three target durations', [base, live(2, 2)], /less than 3 target durations/],
      ['an ended playlist changed', [live(0, 4, { end: true }), live(1, 4, { end: true })], /an ended playlist changed/],
      ['no target duration', ['#EXTM3U\n#EXTINF:2,\na.ts\n'], /EXT-X-TARGETDURATION is missing/],
      ['a segment without EXTINF', ['#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\na.ts\n'], /has no EXTINF/],
      ['fractional durations in version 1', ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.5,\na.ts\n'], /needs more than version 1/],
    ];
    for (const [what, versions, expected] of cases) {
      const found = problemsOf(versions);
      assert.ok(found.some((p) => expected.test(p)), `${what}: ${JSON.stringify(found)}`);
    }
    assert.ok(problemsOf([live(0, 4), live(0, 4, { end: true }), live(0, 5)]).some((p) => /EXT-X-ENDLIST was removed with old segments still listed/.test(p)));
    assert.deepEqual(problemsOf([live(0, 4), live(0, 4, { end: true }), live(4, 1, { disc: [4] })]), [], 'a new presentation after ENDLIST lists none of the old segments');
    // A new segment within 1.5 target durations while live (2 s here: 3 s, plus the poll's slack).
    assert.deepEqual(problemsOf([live(0, 4), live(0, 5), live(0, 6)], [0, 2000, 5400]), []);
    assert.ok(problemsOf([live(0, 4), live(0, 5), live(0, 6)], [0, 2000, 6000]).some((p) => /no new segment for 4000 ms while live/.test(p)));
    assert.deepEqual(problemsOf([live(0, 4), live(0, 4, { end: true }), live(4, 1)], [0, 1000, 60_000]), [], 'an ended playlist may wait');
  });
});
