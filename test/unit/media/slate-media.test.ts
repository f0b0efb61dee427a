import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fmp4Clip, retimeFmp4 } from '../../../src/media/fmp4-retime.js';
import { spsSize } from '../../../src/media/h264.js';
import { childBoxes, findBox, parseInit, trackFragments } from '../../../src/media/iso-bmff.js';
import { TS_PACKET, retimeTs, tsStreams } from '../../../src/media/mpeg-ts.js';
import { SLATE_TICKS, audioPeriod90k } from '../../../src/media/slate-recipe.js';
import { probeInit, probeTs } from '../../../src/media/stream-probe.js';

// The built-in slate and the demo segments are committed fixtures (made by `npm run fixtures`).
const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures');
const slate = (name: string) => readFileSync(join(FIXTURES, 'slate', name));

/** [pid, cc, pts?] of every packet. */
function packets(ts: Buffer): Array<{ pid: number; cc: number; payload: boolean; pts?: number }> {
  const out = [];
  for (let off = 0; off + TS_PACKET <= ts.length; off += TS_PACKET) {
    assert.equal(ts[off], 0x47);
    const pid = ((ts[off + 1]! & 0x1f) << 8) | ts[off + 2]!;
    const afc = (ts[off + 3]! >> 4) & 3;
    const p = afc & 2 ? off + 5 + ts[off + 4]! : off + 4;
    let pts: number | undefined;
    if (ts[off + 1]! & 0x40 && afc & 1 && ts[p] === 0 && ts[p + 1] === 0 && ts[p + 2] === 1 && (ts[p + 7]! & 0x80)) {
      const b = ts.subarray(p + 9, p + 14);
      pts = ((b[0]! >> 1) & 7) * 2 ** 30 + (b[1]! << 22) + ((b[2]! >> 1) << 15) + (b[3]! << 7) + (b[4]! >> 1);
    }
    out.push({ pid, cc: ts[off + 3]! & 0x0f, payload: (afc & 1) === 1, ...(pts !== undefined ? { pts } : {}) });
  }
  return out;
}

describe('MPEG-TS retiming (the slate repeats as one continuous stream)', () => {
  const clip = slate('ts-720p-48000.ts');
  const periods = { video: SLATE_TICKS, audio: audioPeriod90k(48000) };

  it('moves every PTS by whole periods per copy and leaves the first copy as it is', () => {
    assert.deepEqual(retimeTs(clip, 0, periods), clip);
    const s = tsStreams(clip)!;
    const first = packets(clip).filter((p) => p.pts !== undefined);
    const third = packets(retimeTs(clip, 2, periods)).filter((p) => p.pts !== undefined);
    assert.equal(first.length, third.length);
    first.forEach((p, i) => {
      const period = p.pid === s.video ? periods.video : periods.audio;
      assert.equal(third[i]!.pts, p.pts! + 2 * period);
    });
  });

  it('keeps the continuity counters running across copies, for every PID', () => {
    const joined = Buffer.concat([0, 1, 2, 3].map((k) => retimeTs(clip, k, periods)));
    const last = new Map<number, number>();
    for (const p of packets(joined)) {
      if (!p.payload) continue;
      const prev = last.get(p.pid);
      if (prev !== undefined) assert.equal(p.cc, (prev + 1) % 16, `PID ${p.pid}`);
      last.set(p.pid, p.cc);
    }
  });
});

describe('fMP4 retiming', () => {
  it('moves each track fragment\'s decode time by the clip\'s length in its timescale, and the fragment numbers on', () => {
    const init = slate('mp4-720p-48000.init.mp4');
    const tracks = parseInit(init);
    const clip = fmp4Clip(slate('mp4-720p-48000-0.m4s'), tracks);
    assert.ok(!childBoxes(clip.bytes, 0, clip.bytes.length).some((b) => b.type === 'sidx'), 'no sidx naming the first copy\'s times');
    const tfdts = (b: Buffer) => {
      const moof = childBoxes(b, 0, b.length).find((x) => x.type === 'moof')!;
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const seq = view.getUint32(findBox(b, ['mfhd'], moof.body, moof.end)!.body + 4);
      return { seq, times: trackFragments(b, moof, tracks).map((f) => [f.track.trackId, b[f.tfdt!.body] === 1 ? Number(view.getBigUint64(f.tfdt!.body + 4)) : view.getUint32(f.tfdt!.body + 4)]) };
    };
    const a = tfdts(retimeFmp4(clip, tracks, 0));
    const b = tfdts(retimeFmp4(clip, tracks, 5));
    assert.equal(b.seq, a.seq + 5 * clip.fragments);
    for (const [i, [id, t]] of a.times.entries()) {
      assert.equal(b.times[i]![1], (t as number) + 5 * clip.units.get(id as number)!);
      const track = tracks.find((x) => x.trackId === id)!;
      assert.ok(Math.abs(clip.units.get(id as number)! / track.timescale - 1.0667) < 0.003, 'one clip is about 1.067 s in each track');
    }
  });
});

describe('reading a live stream\'s shape', () => {
  it('reads the picture size from the H.264 SPS and the sample rate from ADTS (MPEG-TS)', () => {
    assert.deepEqual(probeTs(slate('ts-1080p-44100.ts')), { container: 'ts', video: { width: 1920, height: 1080 }, hasVideo: true, audioRate: 44100, hasAudio: true });
    assert.deepEqual(probeTs(readFileSync(join(FIXTURES, 'demo', 'demo0.ts')))?.video, { width: 640, height: 360 });
    assert.equal(probeTs(Buffer.from('not a ts')), undefined);
  });

  it('reads the tracks from an init section (fMP4)', () => {
    assert.deepEqual(probeInit(slate('mp4-360p-v.init.mp4')), { container: 'fmp4', video: { width: 640, height: 360 }, hasVideo: true, audioRate: null, hasAudio: false });
    assert.deepEqual(probeInit(slate('mp4-a-44100.init.mp4')), { container: 'fmp4', video: null, hasVideo: false, audioRate: 44100, hasAudio: true });
  });

  it('finds no SPS where there is none', () => {
    assert.equal(spsSize(Buffer.from([0, 0, 1, 0x65, 1, 2, 3])), undefined);
  });
});
