/**
 * Whether a segment file's bytes are the whole file, from the bytes alone,
 * without decoding anything: a file cut short while it is still being written
 * (on a network share, or copied by another machine) must never be published,
 * since a published segment is cached for a year.
 *
 * - Nothing is whole when it is empty.
 * - MPEG-TS: a whole number of 188-byte packets, each starting with the sync
 *   byte 0x47.
 * - ISO BMFF (fMP4, CMAF): a complete sequence of boxes, every moof followed
 *   by its mdat; a media segment holds at least one such pair, an init
 *   section a moov.
 * - Anything else (packed audio, WebVTT): only not empty.
 *
 * Pure functions over bytes; the sources call segmentProblem on every file
 * they read for the relay (see src/ingest/whole-segment.ts).
 */
import { boxAt } from './iso-bmff.js';

export type Container = 'mpegts' | 'iso-bmff' | 'other';

export const TS_PACKET_BYTES = 188;
const TS_SYNC = 0x47;

const TS_EXTENSION = /\.(ts|m2ts|mts)$/i;
const BMFF_EXTENSION = /\.(m4s|mp4|m4a|m4v|cmfv|cmfa|cmft|cmfm)$/i;
/** Box types a fragmented MP4 file may start with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'sidx', 'moof', 'moov', 'emsg', 'prft', 'free', 'skip']);

/** What a segment is, by its name, else by its first bytes. */
export function containerOf(uri: string, bytes: Uint8Array): Container {
  const path = uri.split(/[?#]/)[0] ?? '';
  if (TS_EXTENSION.test(path)) return 'mpegts';
  if (BMFF_EXTENSION.test(path)) return 'iso-bmff';
  if (bytes[0] === TS_SYNC) return 'mpegts';
  if (bytes.byteLength >= 8 && FIRST_BOXES.has(fourCC(bytes, 4))) return 'iso-bmff';
  return 'other';
}

/**
 * Why these bytes are not a whole segment file, as the end of a sentence
 * ("is empty", "ends inside a box…"), or null when they are. `uri` tells the
 * container by its extension.
 */
export function segmentProblem(uri: string, bytes: Uint8Array): string | null {
  if (bytes.byteLength === 0) return 'is empty (0 bytes)';
  switch (containerOf(uri, bytes)) {
    case 'mpegts':
      return transportStreamProblem(bytes);
    case 'iso-bmff':
      return isoBmffProblem(bytes);
    default:
      return null;
  }
}

/** Why bytes are not whole MPEG-TS packets in sync, or null. */
export function transportStreamProblem(bytes: Uint8Array): string | null {
  const n = bytes.byteLength;
  if (n % TS_PACKET_BYTES !== 0) {
    return `has ${n} bytes: not a whole number of 188-byte MPEG-TS packets (${Math.floor(n / TS_PACKET_BYTES)} packets and ${n % TS_PACKET_BYTES} bytes)`;
  }
  for (let off = 0; off < n; off += TS_PACKET_BYTES) {
    if (bytes[off] !== TS_SYNC) return `is out of MPEG-TS sync at byte ${off} (packet ${off / TS_PACKET_BYTES} does not start with 0x47)`;
  }
  return null;
}

/** Why bytes are not a complete fragmented MP4 file (media segment or init section), or null. */
export function isoBmffProblem(bytes: Uint8Array): string | null {
  const n = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  let off = 0;
  let openMoof: number | null = null;
  let pairs = 0;
  let movie = false;
  while (off < n) {
    if (off + 8 <= n && view.getUint32(off) === 0) return `has a box of size 0 ("to the end of the file") at byte ${off}: it cannot be told whole`;
    let box;
    try {
      box = boxAt(bytes, off);
    } catch (err) {
      return `is not ISO BMFF at byte ${off}: ${(err as Error).message}`;
    }
    if (box === null) return `ends inside a box at byte ${off} (${n - off} of its bytes are there)`;
    if (!/^[\x20-\x7e]{4}$/.test(box.type)) return `is not ISO BMFF at byte ${off}: a box type of unprintable bytes`;
    if (box.type === 'moov') movie = true;
    else if (box.type === 'moof') {
      if (openMoof !== null) return `has a moof at byte ${box.start} while the moof at byte ${openMoof} still has no mdat`;
      openMoof = box.start;
    } else if (box.type === 'mdat') {
      if (openMoof === null && !movie) return `has an mdat at byte ${box.start} without a moof before it`;
      if (openMoof !== null) pairs += 1;
      openMoof = null;
    }
    off = box.end;
  }
  if (openMoof !== null) return `ends after the moof at byte ${openMoof}, before its mdat`;
  if (pairs === 0 && !movie) return 'holds no movie fragment (moof + mdat) and no moov';
  return null;
}

function fourCC(bytes: Uint8Array, off: number): string {
  return String.fromCharCode(bytes[off] ?? 0, bytes[off + 1] ?? 0, bytes[off + 2] ?? 0, bytes[off + 3] ?? 0);
}
