import { readFileSync } from 'node:fs';

/** The soft limit on open files for this process (Linux), or undefined where it cannot be read. */
export function openFileLimit(readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(readFile('/proc/self/limits'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * How many chat sockets to accept: 70% of the open-file limit (as Owncast
 * does), leaving the rest for HTTP viewers, the source and the data dir.
 * Where the limit is unknown, 1,000.
 */
export function chatConnectionCap(limit: number | undefined = openFileLimit()): number {
  if (limit === undefined) return 1000;
  return Math.max(16, Math.min(1_000_000, Math.floor(limit * 0.7)));
}
