import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import { parseAppended } from '../../../src/hls/parse-appended.js';
import { parsePlaylist } from '../../../src/hls/parse-playlist.js';

/** The text ffmpeg's hls muxer writes with hls_list_size=0 after `n` segments. */
function growing(segs: Array<{ d: number; disc: boolean; pdt: boolean; bad?: string | null }>, opts: { crlf: boolean; map: boolean; end: boolean; td: number }): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${opts.td}`, '#EXT-X-MEDIA-SEQUENCE:0'];
  if (opts.map) lines.push('#EXT-X-MAP:URI="init.mp4"');
  segs.forEach((s, i) => {
    if (s.disc) lines.push('#EXT-X-DISCONTINUITY');
    if (s.pdt) lines.push(`#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:${String(i % 60).padStart(2, '0')}.000+0000`);
    lines.push(`#EXTINF:${s.bad ?? s.d.toFixed(6)},`, `stream ${i}.${opts.map ? 'm4s' : 'ts'}`);
  });
  if (opts.end) lines.push('#EXT-X-ENDLIST');
  const eol = opts.crlf ? '\r\n' : '\n';
  return lines.join(eol) + eol;
}

test('parsing only what a growing list adds gives exactly what parsing it whole gives', () => {
  const seg = fc.record({ d: fc.double({ min: 0.5, max: 2, noNaN: true }), disc: fc.boolean(), pdt: fc.boolean() });
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 39 }), fc.boolean(), fc.boolean(), fc.boolean(), (segs, cut, crlf, map, end) => {
      const k = Math.min(cut, segs.length);
      const opts = { crlf, map, end: false, td: 2 };
      const before = growing(segs.slice(0, k), opts);
      const after = growing(segs, { ...opts, end });
      const prev = { text: before, playlist: parsePlaylist(before) };
      assert.deepEqual(parseAppended(prev, after), parsePlaylist(after));
    }),
    { numRuns: 300 },
  );
});

test('a nonsense EXTINF in the added lines is named by its line in the whole file, as a whole parse names it', () => {
  const bad = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('-1.0', 'NaN', '1e308', '0', '100000', '') });
  const seg = fc.record({ d: fc.double({ min: 0.5, max: 2, noNaN: true }), disc: fc.boolean(), pdt: fc.boolean(), bad });
  fc.assert(
    fc.property(fc.array(seg, { minLength: 2, maxLength: 30 }), fc.integer({ min: 1, max: 29 }), fc.boolean(), (segs, cut, crlf) => {
      const k = Math.min(cut, segs.length - 1);
      const opts = { crlf, map: false, end: false, td: 2 };
      const before = growing(segs.slice(0, k), opts);
      const after = growing(segs, opts);
      const prev = { text: before, playlist: parsePlaylist(before) };
      const whole = parsePlaylist(after);
      assert.deepEqual(parseAppended(prev, after), whole);
      segs.forEach((s, i) => assert.equal(whole.segments[i]?.invalid !== undefined, s.bad !== null));
    }),
    { numRuns: 300 },
  );
});

test('a rewritten header, a sliding window or another file is parsed whole', () => {
  const a = growing([{ d: 2, disc: false, pdt: false }], { crlf: false, map: false, end: false, td: 2 });
  const prev = { text: a, playlist: parsePlaylist(a) };
  const bigger = growing([{ d: 2, disc: false, pdt: false }, { d: 4, disc: false, pdt: false }], { crlf: false, map: false, end: false, td: 4 });
  assert.deepEqual(parseAppended(prev, bigger), parsePlaylist(bigger));
  const sliding = a.replace('MEDIA-SEQUENCE:0', 'MEDIA-SEQUENCE:1');
  assert.deepEqual(parseAppended(prev, sliding), parsePlaylist(sliding));
  assert.throws(() => parseAppended(prev, `${a}x.ts\n`), { code: 'playlist_invalid' });
  assert.throws(() => parsePlaylist(`${a}x.ts\n`), { code: 'playlist_invalid' });
});

describe('parseAppended: tags left at the end of the old text', () => {
  it('parses whole when the old text ends with a tag that applies to the next segment (found by the property test)', () => {
    const before = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY\n';
    const text = `${before}#EXTINF:2,\nb.ts\n`;
    const appended = parseAppended({ text: before, playlist: parsePlaylist(before) }, text);
    assert.deepEqual(appended, parsePlaylist(text));
    assert.equal(appended.segments.at(-1)?.discontinuity, true);
  });
});
