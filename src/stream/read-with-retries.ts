import { ErrorCode, SharecastError, toSharecastError } from '../errors.js';

export interface RetryOptions {
  /** Delays before the second, third… attempt (ms); one attempt more than there are delays. */
  delaysMs: readonly number[];
  /** Stops retrying (the stream is closing). */
  stopped: () => boolean;
}

/** Codes that no retry can mend. */
const FINAL: ReadonlySet<string> = new Set([ErrorCode.PathOutsideSource]);

/**
 * Reads a file from the source with a few retries: on network shares a file
 * can lag its listing. Rejects with the last error, as a SharecastError.
 */
export async function readWithRetries(read: () => Promise<Uint8Array>, o: RetryOptions): Promise<Uint8Array> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= o.delaysMs.length; attempt++) {
    if (attempt > 0) await delay(o.delaysMs[attempt - 1] ?? 0);
    if (o.stopped()) break;
    try {
      return await read();
    } catch (err) {
      lastError = err;
      if (FINAL.has(toSharecastError(err).code)) break;
    }
  }
  throw lastError === undefined ? new SharecastError(ErrorCode.SourceUnavailable, 'the stream is closing') : toSharecastError(lastError, ErrorCode.SourceUnavailable);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
