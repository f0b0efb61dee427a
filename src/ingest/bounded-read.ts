import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads some bytes of a file at `position` into `into`, and says how many:
 * fewer than asked is fine, 0 means the end of the file. A folder source
 * passes FileHandle.read; an SMB source one READ request.
 */
export type ReadAt = (into: Uint8Array, position: number) => Promise<number>;

export interface BoundedRead {
  /** The bytes read: the whole file, or the first `limit` + 1 bytes when it is larger. */
  bytes: Buffer;
  /** The file holds more than `limit` bytes: `bytes` is not all of it, and nothing more was read. */
  tooLarge: boolean;
}

const FIRST_CHUNK = 64 * 1024;

/**
 * Reads a file from its start to its end, but never more than `limit` + 1
 * bytes: a file that is (or grows) larger is not read further, so a huge
 * playlist costs at most `limit` of memory, never its size. `sizeHint` (the
 * size a stat just gave) makes the common case one read into a buffer of
 * exactly the right size.
 */
export async function readUpTo(readAt: ReadAt, limit: number, sizeHint?: number): Promise<BoundedRead> {
  const cap = limit + 1;
  let buf = Buffer.allocUnsafe(Math.min(cap, sizeHint !== undefined && sizeHint >= 0 ? sizeHint + 1 : FIRST_CHUNK));
  let filled = 0;
  for (;;) {
    if (filled === buf.byteLength) {
      if (filled >= cap) break;
      const bigger = Buffer.allocUnsafe(Math.min(cap, Math.max(FIRST_CHUNK, buf.byteLength * 2)));
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const n = await readAt(buf.subarray(filled), filled);
    if (n <= 0) break;
    filled += n;
  }
  const tooLarge = filled > limit;
  const used = Math.min(filled, cap);
  // The bytes are kept (a cached segment): do not hold on to a buffer much larger than them.
  const bytes = buf.byteLength - used > 4096 ? Buffer.from(buf.subarray(0, used)) : buf.subarray(0, used);
  return { bytes, tooLarge };
}

/** readUpTo over an open local file. */
export function readHandleUpTo(handle: FileHandle, limit: number, sizeHint?: number): Promise<BoundedRead> {
  return readUpTo(async (into, position) => (await handle.read(into, 0, into.byteLength, position)).bytesRead, limit, sizeHint);
}

/** readUpTo over a local file by path (one open, one fstat, the reads, one close). */
export async function readFileUpTo(path: string, limit: number): Promise<BoundedRead> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    return await readHandleUpTo(handle, limit, info.size);
  } finally {
    await handle.close();
  }
}
