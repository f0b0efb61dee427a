import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { containerOf, segmentProblem } from '../../../src/media/segment-check.js';
import { box, fmp4Bytes, initBytes, tsBytes } from '../../fakes/media-bytes.js';

const DEMO_TS = readFileSync(join(import.meta.dirname, '..', '..', '..', 'fixtures', 'demo', 'demo0.ts'));

describe('segmentProblem: whole files pass', () => {
  it('passes a real MPEG-TS segment (the demo fixture ffmpeg wrote) and whole packets', () => {
    assert.equal(segmentProblem('demo0.ts', DEMO_TS), null);
    assert.equal(segmentProblem('a.ts', tsBytes(1)), null);
    assert.equal(segmentProblem('no-extension', tsBytes(3)), null, 'told by its sync byte');
  });

  it('passes a fragmented MP4 segment, an init section, and packed audio or WebVTT that is not empty', () => {
    assert.equal(segmentProblem('stream3.m4s', fmp4Bytes(3)), null);
    assert.equal(segmentProblem('init.mp4', initBytes()), null);
    assert.equal(segmentProblem('init-stream0.m4s', initBytes()), null, 'the dash muxer names its init section .m4s');
    assert.equal(segmentProblem('a.aac', Buffer.from([0xff, 0xf1, 1, 2])), null);
    assert.equal(segmentProblem('a.vtt', Buffer.from('WEBVTT\n')), null);
  });

  it('tells the container by extension, then by the first bytes', () => {
    assert.equal(containerOf('x.TS?v=1', Buffer.alloc(0)), 'mpegts');
    assert.equal(containerOf('x.cmfv', Buffer.alloc(0)), 'iso-bmff');
    assert.equal(containerOf('x', fmp4Bytes(1)), 'iso-bmff');
    assert.equal(containerOf('x', Buffer.from('WEBVTT')), 'other');
  });
});

describe('segmentProblem: what a short read leaves is caught (issue 10, item 1)', () => {
  it('refuses an empty file whatever its kind', () => {
    for (const uri of ['a.ts', 'a.m4s', 'a.aac', 'a']) assert.match(segmentProblem(uri, Buffer.alloc(0)) ?? '', /is empty/);
  });

  it('refuses MPEG-TS cut inside a packet, as the 22,711 bytes of a 227,000-byte segment were', () => {
    assert.match(segmentProblem('s.ts', DEMO_TS.subarray(0, 22_711)) ?? '', /22711 bytes: not a whole number of 188-byte MPEG-TS packets \(120 packets and 151 bytes\)/);
  });

  it('refuses MPEG-TS out of sync (bytes that are not TS, or packets missing in the middle)', () => {
    const broken = Buffer.from(tsBytes(4));
    broken[2 * 188] = 0x00;
    assert.match(segmentProblem('s.ts', broken) ?? '', /out of MPEG-TS sync at byte 376 \(packet 2/);
    assert.match(segmentProblem('s.ts', Buffer.alloc(188, 0x20)) ?? '', /out of MPEG-TS sync at byte 0/);
  });

  it('refuses fMP4 cut inside a box, after a moof without its mdat, or holding no fragment', () => {
    const whole = fmp4Bytes(2);
    assert.match(segmentProblem('s.m4s', whole.subarray(0, whole.byteLength - 10)) ?? '', /ends inside a box at byte \d+/);
    const moofEnd = whole.byteLength - (8 + 1000);
    assert.match(segmentProblem('s.m4s', whole.subarray(0, moofEnd)) ?? '', /ends after the moof at byte \d+, before its mdat/);
    assert.match(segmentProblem('s.m4s', whole.subarray(0, 16)) ?? '', /no movie fragment/);
    assert.match(segmentProblem('s.m4s', Buffer.concat([box('moof'), box('moof'), box('mdat')])) ?? '', /still has no mdat/);
    assert.match(segmentProblem('s.m4s', box('mdat', Buffer.alloc(4))) ?? '', /mdat at byte 0 without a moof/);
    const sizeZero = Buffer.concat([box('styp'), Buffer.from([0, 0, 0, 0]), Buffer.from('mdat', 'latin1'), Buffer.alloc(20)]);
    assert.match(segmentProblem('s.m4s', sizeZero) ?? '', /size 0/);
    assert.match(segmentProblem('s.m4s', Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66])) ?? '', /not ISO BMFF at byte 0/);
  });

  // styp (16 bytes), then pairs of moof (24) + mdat (508).
  const FMP4_CHUNK_ENDS = new Set([16 + 532, 16 + 2 * 532]);

  it('refuses every strict prefix of a whole segment (fast-check)', () => {
    const files = [
      { uri: 'demo0.ts', bytes: DEMO_TS },
      { uri: 's.m4s', bytes: fmp4Bytes(3, 500) },
      { uri: 'init.mp4', bytes: initBytes() },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (f, at) => {
        const cut = Math.floor(at * f.bytes.byteLength);
        // A TS cut exactly at a packet boundary is whole packets: only the size-across-two-looks check can tell it.
        if (f.uri.endsWith('.ts') && cut % 188 === 0 && cut > 0) return true;
        // An fMP4 cut exactly after a complete moof + mdat is a whole fragment sequence, likewise.
        const problem = segmentProblem(f.uri, f.bytes.subarray(0, cut));
        if (problem === null) assert.ok(f.uri.endsWith('.m4s') && FMP4_CHUNK_ENDS.has(cut), `${f.uri} cut at ${cut} passed`);
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws, whatever the bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom('a.ts', 'a.m4s', 'a.mp4', 'a', 'a.aac'), fc.uint8Array({ maxLength: 600 }), (uri, bytes) => {
        const p = segmentProblem(uri, bytes);
        return p === null || (typeof p === 'string' && p.length > 0);
      }),
      { numRuns: 3000 },
    );
  });
});
