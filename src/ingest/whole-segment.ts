import { ErrorCode, SharecastError, shown } from '../errors.js';
import { segmentProblem } from '../media/segment-check.js';

/** What one look at a file (a stat) says. */
export interface FileLook {
  size: number;
  /** Last write time, ms since the epoch. */
  mtimeMs: number;
  /** When the look was taken (ms since the epoch, the local clock). */
  at: number;
}

export interface SettleOptions {
  /** A file whose last write is at least this old at the first look is settled (ms). */
  quietMs: number;
  /** Otherwise a second look, this long after the first, must find the same size and write time (ms). */
  settleMs: number;
}

/** Default settling: 40 ms between two looks keeps the relay lag low; 1 s of quiet needs none. */
export const DEFAULT_SETTLE: SettleOptions = { quietMs: 1000, settleMs: 40 };

export interface WholeSegmentCheck {
  /** The URI as the playlist writes it (messages, and the container by its extension). */
  uri: string;
  bytes: Uint8Array;
  /** The look taken just before the bytes were read. */
  first: FileLook;
  /** Takes another look at the same file (undefined if it is gone). */
  look: () => Promise<FileLook | undefined>;
  settle?: SettleOptions;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The one check every source makes before it hands a segment (or init
 * section) to the relay: the bytes are the whole file. Resolves with the
 * bytes, or rejects with SegmentIncomplete (which the republisher retries,
 * then skips with a discontinuity) when
 * - the container says the bytes are cut short (segmentProblem: empty, part
 *   of a TS packet, out of sync, a box cut off, a moof without its mdat);
 * - fewer or more bytes were read than the first look saw (it changed while read);
 * - its last write is recent and a second look, settleMs after the first,
 *   finds another size or write time (it is still being written).
 */
export async function checkWholeSegment(c: WholeSegmentCheck): Promise<Uint8Array> {
  const { uri, bytes, first } = c;
  const settle = c.settle ?? DEFAULT_SETTLE;
  const problem = segmentProblem(uri, bytes);
  if (problem !== null) throw incomplete(uri, problem);
  if (bytes.byteLength !== first.size) throw incomplete(uri, `read ${bytes.byteLength} bytes of the ${first.size} it had just before`);
  if (first.at - first.mtimeMs >= settle.quietMs) return bytes;
  const now = c.now ?? Date.now;
  const wait = first.at + settle.settleMs - now();
  if (wait > 0) await (c.sleep ?? sleep)(wait);
  const second = await c.look();
  if (second === undefined) throw incomplete(uri, 'went away while it was read');
  if (second.size !== first.size || second.mtimeMs !== first.mtimeMs) {
    throw incomplete(uri, `is still being written (${first.size} bytes, then ${second.size} bytes ${second.at - first.at} ms later)`);
  }
  return bytes;
}

function incomplete(uri: string, problem: string): SharecastError {
  return new SharecastError(ErrorCode.SegmentIncomplete, `"${shown(uri)}" ${problem}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
