import type { FileMeta } from './file-messages.js';

/** Whether two looks at a file found it unchanged (size and every time). */
export function sameMeta(a: FileMeta, b: FileMeta): boolean {
  return (
    a.endOfFile === b.endOfFile &&
    a.lastWriteTime === b.lastWriteTime &&
    a.changeTime === b.changeTime &&
    a.creationTime === b.creationTime
  );
}

/** A FILETIME (100 ns since 1601-01-01) as ms since the Unix epoch. */
export function fileTimeToMs(t: bigint): number {
  return Number(t / 10_000n) - 11_644_473_600_000;
}
