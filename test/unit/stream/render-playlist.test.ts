import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Parser } from 'm3u8-parser';
import { parsePlaylist } from '../../../src/hls/parse-playlist.js';
import { renderMediaPlaylist } from '../../../src/hls/render-media-playlist.js';
import { appendSegment, goOffline, newTimeline, type NewSegment, type Timeline } from '../../../src/stream/timeline.js';
import { mediaPlaylistOf } from '../../../src/stream/timeline-view.js';

const renderTimeline = (t: Timeline) => renderMediaPlaylist(mediaPlaylistOf(t));

const T0 = 1_800_000_000_000;

interface ParsedBack {
  version?: number;
  targetDuration?: number;
  mediaSequence?: number;
  discontinuitySequence?: number;
  independentSegments?: boolean;
  endList?: boolean;
  segments: Array<{ uri: string; duration: number; discontinuity?: boolean; map?: { uri: string }; dateTimeString?: string }>;
}

function parseBack(text: string): ParsedBack {
  const p = new Parser();
  p.push(text);
  p.end();
  return p.manifest as unknown as ParsedBack;
}

function seg(name: string, duration: number, extra: Partial<NewSegment> = {}): NewSegment {
  return { name, duration, discontinuity: false, byteLength: 1, sourceTargetDuration: 2, sourceVersion: 3, independentSegments: false, ...extra };
}

function build(list: NewSegment[], windowSeconds = 12): Timeline {
  let t = newTimeline(T0);
  list.forEach((s, i) => {
    t = appendSegment(t, s, T0 + i * 2000, { windowSeconds });
  });
  return t;
}

/** The rendered playlist says exactly what the timeline holds. */
function assertRoundTrip(t: Timeline): void {
  const text = renderTimeline(t);
  assert.ok(text !== null);
  const back = parseBack(text);
  assert.equal(back.version, t.version);
  assert.equal(back.targetDuration, t.targetDuration);
  assert.equal(back.mediaSequence, t.mediaSequence);
  assert.equal(back.discontinuitySequence, t.discontinuitySequence);
  assert.equal(back.independentSegments === true, t.independentSegments);
  assert.equal(back.endList === true, !t.live);
  assert.equal(back.segments.length, t.segments.length);
  t.segments.forEach((s, i) => {
    const b = back.segments[i];
    assert.ok(b);
    assert.equal(b.uri, s.name);
    assert.ok(Math.abs(b.duration - s.duration) <= 5e-7, `duration ${b.duration} vs ${s.duration}`);
    assert.equal(b.discontinuity === true, s.discontinuity);
    assert.equal(b.map?.uri, s.mapName);
    assert.equal(b.dateTimeString, s.programDateTime);
  });
  // And the relay's own parser (what a chained sharecast would read) agrees.
  const own = parsePlaylist(text);
  assert.equal(own.segments.length, t.segments.length);
  for (const s of own.segments) assert.ok(Math.round(s.duration) <= t.targetDuration);
}

describe('renderPlaylist', () => {
  it('renders nothing before the first segment', () => {
    assert.equal(renderTimeline(newTimeline(T0)), null);
  });

  it('writes a live MPEG-TS playlist the way players expect it', () => {
    const t = build([seg('r-0.ts', 2), seg('r-1.ts', 1.966667), seg('r-2.ts', 2)]);
    assert.equal(
      renderTimeline(t),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXTINF:2,',
        'r-0.ts',
        '#EXTINF:1.966667,',
        'r-1.ts',
        '#EXTINF:2,',
        'r-2.ts',
        '',
      ].join('\n'),
    );
  });

  it('adds EXT-X-ENDLIST only when offline', () => {
    const t = build([seg('a.ts', 2), seg('b.ts', 2)]);
    assert.doesNotMatch(renderTimeline(t) ?? '', /ENDLIST/);
    const off = goOffline(t, T0 + 60_000);
    assert.match(renderTimeline(off) ?? '', /\nb\.ts\n#EXT-X-ENDLIST\n$/);
    const back = appendSegment(off, seg('c.ts', 2), T0 + 90_000, { windowSeconds: 12 });
    assert.doesNotMatch(renderTimeline(back) ?? '', /ENDLIST/);
  });

  it('puts EXT-X-MAP before the first segment and again after a change or a discontinuity', () => {
    const t = build([
      seg('a.m4s', 2, { mapName: 'init0.mp4', sourceVersion: 7, independentSegments: true }),
      seg('b.m4s', 2, { mapName: 'init0.mp4', sourceVersion: 7, independentSegments: true }),
      seg('c.m4s', 2, { mapName: 'init1.mp4', sourceVersion: 7, independentSegments: true, discontinuity: true }),
      seg('d.m4s', 2, { mapName: 'init1.mp4', sourceVersion: 7, independentSegments: true }),
      seg('e.m4s', 2, { mapName: 'init1.mp4', sourceVersion: 7, independentSegments: true, discontinuity: true }),
    ]);
    const text = renderTimeline(t) ?? '';
    const body = text.slice(text.indexOf('#EXT-X-MAP'));
    assert.equal(
      body,
      [
        '#EXT-X-MAP:URI="init0.mp4"',
        '#EXTINF:2,',
        'a.m4s',
        '#EXTINF:2,',
        'b.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="init1.mp4"',
        '#EXTINF:2,',
        'c.m4s',
        '#EXTINF:2,',
        'd.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="init1.mp4"',
        '#EXTINF:2,',
        'e.m4s',
        '',
      ].join('\n'),
    );
    assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:7\n/);
    assert.match(text, /\n#EXT-X-INDEPENDENT-SEGMENTS\n/);
    assertRoundTrip(t);
  });

  it('keeps EXT-X-MAP on the first segment after the window moved past the first map tag', () => {
    const list = Array.from({ length: 12 }, (_, i) => seg(`s${i}.m4s`, 2, { mapName: 'init0.mp4', sourceVersion: 7 }));
    const t = build(list);
    assert.ok(t.mediaSequence > 0);
    assert.match(renderTimeline(t) ?? '', /#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-MAP:URI="init0.mp4"\n#EXTINF/);
  });

  it('writes DISCONTINUITY and PROGRAM-DATE-TIME tags right before their segment', () => {
    const t = build([
      seg('a.ts', 2, { programDateTime: '2026-11-20T18:04:15.000+0100' }),
      seg('b.ts', 2, { discontinuity: true, programDateTime: '2026-11-20T19:00:00.000+0100' }),
      seg('c.ts', 2),
    ]);
    const text = renderTimeline(t) ?? '';
    assert.match(text, /#EXT-X-PROGRAM-DATE-TIME:2026-11-20T18:04:15\.000\+0100\n#EXTINF:2,\na\.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-20T19:00:00\.000\+0100\n#EXTINF:2,\nb\.ts\n#EXTINF:2,\nc\.ts\n/);
    assertRoundTrip(t);
  });

  it('counts discontinuities that left the window in EXT-X-DISCONTINUITY-SEQUENCE', () => {
    const list = Array.from({ length: 20 }, (_, i) => seg(`s${i}.ts`, 2, { discontinuity: i % 5 === 1 }));
    const t = build(list);
    // Window: s14..s19; discontinuities were on s1, s6, s11 (left) and s16 (still listed).
    assert.equal(t.discontinuitySequence, 3);
    const text = renderTimeline(t) ?? '';
    assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:3\n/);
    assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1);
    assertRoundTrip(t);
  });

  it('round-trips random timelines through m3u8-parser', () => {
    const segArb = fc.record({
      duration: fc.double({ min: 0.001, max: 6, noNaN: true }),
      discontinuity: fc.boolean(),
      map: fc.integer({ min: 0, max: 2 }),
      pdt: fc.option(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())),
    });
    fc.assert(
      fc.property(fc.array(segArb, { minLength: 1, maxLength: 40 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 2, max: 30 }), (list, fmp4, offline, independent, windowSeconds) => {
        let t = build(
          list.map((s, i) =>
            seg(`run-${i}.${fmp4 ? 'm4s' : 'ts'}`, s.duration, {
              discontinuity: s.discontinuity,
              independentSegments: independent,
              ...(fmp4 ? { mapName: `run-init${s.map}.mp4`, sourceVersion: 7 } : {}),
              ...(s.pdt === null ? {} : { programDateTime: s.pdt }),
            }),
          ),
          windowSeconds,
        );
        if (offline) t = goOffline(t, T0 + 1e6);
        assertRoundTrip(t);
      }),
      { numRuns: 300 },
    );
  });
});
