/**
 * Just enough ISO BMFF (ISO/IEC 14496-12) to cut CMAF parts without decoding
 * anything: box headers, the chunks (moof + mdat) of a fragmented segment,
 * the timescales and defaults of an init section, and each chunk's duration
 * and whether it starts with a sync sample. Pure functions over bytes.
 */

export interface BoxHeader {
  type: string;
  /** Offset of the box in the buffer. */
  start: number;
  /** Offset just past the box. */
  end: number;
  /** Offset of the box's payload. */
  body: number;
}

/** Boxes nobody nests more than this deep in an init section or a moof. */
const MAX_DEPTH = 8;

/**
 * The box that starts at `off`, or null when its header or body is not all
 * in `buf` yet (a file still being written). Throws on a box that cannot be
 * (a size smaller than its own header).
 */
export function boxAt(buf: Uint8Array, off: number, limit = buf.byteLength): BoxHeader | null {
  if (off + 8 > limit) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let size = view.getUint32(off);
  const type = String.fromCharCode(buf[off + 4] as number, buf[off + 5] as number, buf[off + 6] as number, buf[off + 7] as number);
  let header = 8;
  if (size === 1) {
    if (off + 16 > limit) return null;
    const big = view.getBigUint64(off + 8);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`box "${type}" at ${off} is too large`);
    size = Number(big);
    header = 16;
  } else if (size === 0) {
    // "To the end of the file": unknowable while the file grows.
    return null;
  }
  if (size < header) throw new Error(`box "${type}" at ${off} has an impossible size ${size}`);
  if (off + size > limit) return null;
  return { type, start: off, end: off + size, body: off + header };
}

/** The boxes directly inside [from, to), in order. Throws if they do not fill it exactly. */
export function childBoxes(buf: Uint8Array, from: number, to: number): BoxHeader[] {
  const out: BoxHeader[] = [];
  let off = from;
  while (off < to) {
    const box = boxAt(buf, off, to);
    if (box === null) throw new Error(`a box at ${off} runs past its parent's end`);
    out.push(box);
    off = box.end;
  }
  return out;
}

/** The first box of `type` along `path` below [from, to), e.g. ['moov', 'trak', 'mdia', 'mdhd']. */
export function findBox(buf: Uint8Array, path: readonly string[], from = 0, to = buf.byteLength): BoxHeader | undefined {
  if (path.length > MAX_DEPTH) return undefined;
  const [first, ...rest] = path;
  for (const box of childBoxes(buf, from, to)) {
    if (box.type !== first) continue;
    if (rest.length === 0) return box;
    const inner = findBox(buf, rest, box.body, box.end);
    if (inner) return inner;
  }
  return undefined;
}

/** Every box of `type` directly below [from, to). */
export function findAll(buf: Uint8Array, type: string, from: number, to: number): BoxHeader[] {
  return childBoxes(buf, from, to).filter((b) => b.type === type);
}

/** One CMAF chunk: the boxes before a moof (styp, prft, emsg…), the moof, and its mdat. */
export interface Chunk {
  start: number;
  end: number;
  moof: BoxHeader;
}

export interface ChunkScan {
  chunks: Chunk[];
  /** Offset just past the last complete chunk: where the next scan starts. */
  next: number;
}

/**
 * The complete chunks of a fragmented MP4 segment in `buf`, starting at
 * `from` (the end of the chunks already taken). A chunk ends with the mdat
 * that follows a moof; bytes after the last complete chunk are left for a
 * later scan, when more of the file has been written. Throws on bytes that
 * are not boxes (then the file is not CMAF, or it was corrupted).
 */
export function scanChunks(buf: Uint8Array, from: number): ChunkScan {
  const chunks: Chunk[] = [];
  let start = from;
  let off = from;
  let moof: BoxHeader | undefined;
  for (;;) {
    const box = boxAt(buf, off);
    if (box === null) break;
    if (box.type === 'moof') {
      if (moof) throw new Error(`two moof boxes without an mdat between them at ${box.start}`);
      moof = box;
    } else if (box.type === 'mdat') {
      if (!moof) throw new Error(`an mdat without a moof before it at ${box.start}`);
      chunks.push({ start, end: box.end, moof });
      moof = undefined;
      start = box.end;
    }
    off = box.end;
  }
  return { chunks, next: start };
}

/** What parsing a chunk needs of the init section, per track. */
export interface TrackInfo {
  trackId: number;
  /** mdhd timescale: units per second. */
  timescale: number;
  /** 'vide', 'soun', … from hdlr. */
  handler: string;
  /** trex defaults, used when tfhd and trun say nothing. */
  defaultSampleDuration: number;
  defaultSampleFlags: number;
  /** Display size from tkhd (video), rounded; 0 for audio. */
  width: number;
  height: number;
  /** The sample entry's four-character code (avc1, hvc1, mp4a, …). */
  codec: string;
}

/** The tracks of an init section (ftyp + moov). Throws if it is not one. */
export function parseInit(buf: Uint8Array): TrackInfo[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const moov = childBoxes(buf, 0, buf.byteLength).find((b) => b.type === 'moov');
  if (!moov) throw new Error('no moov box: not an init section');
  const trex = new Map<number, { duration: number; flags: number }>();
  const mvex = findBox(buf, ['mvex'], moov.body, moov.end);
  if (mvex) {
    for (const t of findAll(buf, 'trex', mvex.body, mvex.end)) {
      // version/flags (4), track_ID, default_sample_description_index, duration, size, flags
      trex.set(view.getUint32(t.body + 4), { duration: view.getUint32(t.body + 12), flags: view.getUint32(t.body + 20) });
    }
  }
  const tracks: TrackInfo[] = [];
  for (const trak of findAll(buf, 'trak', moov.body, moov.end)) {
    const tkhd = findBox(buf, ['tkhd'], trak.body, trak.end);
    const mdhd = findBox(buf, ['mdia', 'mdhd'], trak.body, trak.end);
    const hdlr = findBox(buf, ['mdia', 'hdlr'], trak.body, trak.end);
    const stsd = findBox(buf, ['mdia', 'minf', 'stbl', 'stsd'], trak.body, trak.end);
    if (!tkhd || !mdhd) throw new Error('a trak without tkhd or mdhd');
    const tkhdV1 = buf[tkhd.body] === 1;
    const trackId = view.getUint32(tkhd.body + (tkhdV1 ? 20 : 12));
    const mdhdV1 = buf[mdhd.body] === 1;
    const timescale = view.getUint32(mdhd.body + (mdhdV1 ? 20 : 12));
    if (timescale === 0) throw new Error(`track ${trackId} has a timescale of 0`);
    // tkhd ends with width and height, 16.16 fixed point.
    const width = Math.round(view.getUint32(tkhd.end - 8) / 65536);
    const height = Math.round(view.getUint32(tkhd.end - 4) / 65536);
    const handler = hdlr ? ascii(buf, hdlr.body + 8, 4) : '';
    // stsd: version/flags (4), entry_count (4), then the first sample entry box.
    const codec = stsd && stsd.body + 16 <= stsd.end ? ascii(buf, stsd.body + 12, 4) : '';
    const d = trex.get(trackId);
    tracks.push({ trackId, timescale, handler, defaultSampleDuration: d?.duration ?? 0, defaultSampleFlags: d?.flags ?? 0, width, height, codec });
  }
  if (tracks.length === 0) throw new Error('an init section without tracks');
  return tracks;
}

/** What one track fragment (traf) holds: its track, its samples' total duration in the track's timescale, and its first sample's flags. */
export interface TrackFragment {
  track: TrackInfo;
  traf: BoxHeader;
  tfdt: BoxHeader | undefined;
  units: number;
  firstSampleFlags: number | undefined;
}

/** The track fragments of a moof, read with the init section's defaults. */
export function trackFragments(buf: Uint8Array, moof: BoxHeader, tracks: readonly TrackInfo[]): TrackFragment[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TrackFragment[] = [];
  for (const traf of findAll(buf, 'traf', moof.body, moof.end)) {
    const tfhd = findBox(buf, ['tfhd'], traf.body, traf.end);
    if (!tfhd) throw new Error('a traf without tfhd');
    const tfFlags = view.getUint32(tfhd.body) & 0xffffff;
    const trackId = view.getUint32(tfhd.body + 4);
    const track = tracks.find((t) => t.trackId === trackId) ?? (tracks.length === 1 ? tracks[0] : undefined);
    if (!track) throw new Error(`a chunk for track ${trackId}, which the init section does not have`);
    let p = tfhd.body + 8;
    if (tfFlags & 0x1) p += 8; // base_data_offset
    if (tfFlags & 0x2) p += 4; // sample_description_index
    let defDuration = track.defaultSampleDuration;
    let defFlags = track.defaultSampleFlags;
    if (tfFlags & 0x8) {
      defDuration = view.getUint32(p);
      p += 4;
    }
    if (tfFlags & 0x10) p += 4; // default_sample_size
    if (tfFlags & 0x20) defFlags = view.getUint32(p);
    let units = 0;
    let firstSampleFlags: number | undefined;
    for (const trun of findAll(buf, 'trun', traf.body, traf.end)) {
      const flags = view.getUint32(trun.body) & 0xffffff;
      const count = view.getUint32(trun.body + 4);
      let q = trun.body + 8;
      if (flags & 0x1) q += 4; // data_offset
      let firstFlags: number | undefined;
      if (flags & 0x4) {
        firstFlags = view.getUint32(q);
        q += 4;
      }
      const per = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
      if (q + per * count > trun.end) throw new Error('a trun shorter than its sample count');
      for (let i = 0; i < count; i++) {
        let r = q + i * per;
        let d = defDuration;
        if (flags & 0x100) {
          d = view.getUint32(r);
          r += 4;
        }
        if (flags & 0x200) r += 4;
        let f = i === 0 && firstFlags !== undefined ? firstFlags : defFlags;
        if (flags & 0x400) f = view.getUint32(r);
        if (firstSampleFlags === undefined) firstSampleFlags = f;
        units += d;
      }
    }
    out.push({ track, traf, tfdt: findBox(buf, ['tfdt'], traf.body, traf.end), units, firstSampleFlags });
  }
  return out;
}

export interface ChunkTiming {
  /** Seconds of media in the chunk (the longest track, for a muxed one). */
  duration: number;
  /** Its first sample is a sync sample (an IDR frame for video): INDEPENDENT=YES. */
  independent: boolean;
  /** tfdt of the first track fragment, in its timescale. */
  baseDecodeTime: number;
}

const NON_SYNC = 0x10000;

/** Duration and independence of a chunk, from its moof (tfhd, tfdt, trun) and the init section's tracks. */
export function chunkTiming(buf: Uint8Array, moof: BoxHeader, tracks: readonly TrackInfo[]): ChunkTiming {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frags = trackFragments(buf, moof, tracks);
  const first = frags[0];
  let baseDecodeTime = 0;
  if (first?.tfdt) baseDecodeTime = buf[first.tfdt.body] === 1 ? Number(view.getBigUint64(first.tfdt.body + 4)) : view.getUint32(first.tfdt.body + 4);
  return {
    duration: frags.reduce((a, f) => Math.max(a, f.units / f.track.timescale), 0),
    independent: first?.firstSampleFlags !== undefined && (first.firstSampleFlags & NON_SYNC) === 0,
    baseDecodeTime,
  };
}

function ascii(buf: Uint8Array, off: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[off + i] ?? 0);
  return s;
}
