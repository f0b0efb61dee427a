import { childBoxes, findBox, findAll, trackFragments, type TrackInfo } from './iso-bmff.js';

/** A slate clip's fMP4 segment, ready to repeat: what each copy moves. */
export interface Fmp4Clip {
  bytes: Buffer;
  /** trackId -> the clip's length in that track's timescale. */
  units: Map<number, number>;
  /** moof boxes in the clip (mfhd sequence numbers move on by this many per copy). */
  fragments: number;
}

/**
 * Reads a slate clip (one fMP4 media segment) for repeating: its sidx boxes
 * are left out (they would name the first copy's times) and each track's
 * length is measured from its samples.
 */
export function fmp4Clip(segment: Uint8Array, tracks: readonly TrackInfo[]): Fmp4Clip {
  const boxes = childBoxes(segment, 0, segment.byteLength);
  const kept = boxes.filter((b) => b.type !== 'sidx').map((b) => Buffer.from(segment.buffer, segment.byteOffset + b.start, b.end - b.start));
  const bytes = Buffer.concat(kept);
  const units = new Map<number, number>();
  let fragments = 0;
  for (const moof of childBoxes(bytes, 0, bytes.byteLength).filter((b) => b.type === 'moof')) {
    fragments += 1;
    for (const f of trackFragments(bytes, moof, tracks)) units.set(f.track.trackId, (units.get(f.track.trackId) ?? 0) + f.units);
  }
  if (fragments === 0) throw new Error('the slate clip has no moof');
  return { bytes, units, fragments };
}

/**
 * The `repeat`-th copy of a clip (0: as it is): each track fragment's decode
 * time (tfdt) moved on by whole clip lengths, and the fragment sequence
 * numbers (mfhd) after the copy before, so the copies play as one stream.
 */
export function retimeFmp4(clip: Fmp4Clip, tracks: readonly TrackInfo[], repeat: number): Buffer {
  const out = Buffer.from(clip.bytes);
  if (repeat === 0) return out;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const moof of childBoxes(out, 0, out.byteLength).filter((b) => b.type === 'moof')) {
    const mfhd = findBox(out, ['mfhd'], moof.body, moof.end);
    if (mfhd) view.setUint32(mfhd.body + 4, (view.getUint32(mfhd.body + 4) + repeat * clip.fragments) >>> 0);
    for (const traf of findAll(out, 'traf', moof.body, moof.end)) {
      const frag = trackFragments(out, { ...moof, body: moof.body, end: moof.end }, tracks).find((f) => f.traf.start === traf.start);
      const tfdt = frag?.tfdt;
      if (!frag || !tfdt) continue;
      const shift = BigInt((clip.units.get(frag.track.trackId) ?? 0) * repeat);
      if (out[tfdt.body] === 1) view.setBigUint64(tfdt.body + 4, view.getBigUint64(tfdt.body + 4) + shift);
      else {
        const v = BigInt(view.getUint32(tfdt.body + 4)) + shift;
        if (v > 0xffffffffn) throw new Error('a version-0 tfdt overflowed: the slate ran too long');
        view.setUint32(tfdt.body + 4, Number(v));
      }
    }
  }
  return out;
}
