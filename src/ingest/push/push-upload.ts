import { ErrorCode, SharecastError } from '../../errors.js';
import type { GrowthListener } from '../source.js';

/** How an upload's memory is counted against its stream's cap (push-files.ts). */
export interface UploadBudget {
  /** Takes `n` more bytes for this upload, or throws PushTooLarge / PushMemoryFull. */
  take(upload: PushUpload, n: number): void;
  /** The upload completed (its bytes are now a file) or broke off (its bytes are given back). */
  settled(upload: PushUpload, bytes: Buffer | null): void;
}

export type UploadState = 'open' | 'complete' | 'aborted';

/**
 * One file being uploaded: its bytes in order as they arrive, and whoever
 * follows it (LL-HLS parts from a segment still being uploaded). It becomes
 * a file only when complete(); abort() drops it, and its followers hear
 * onGone. Listeners are called outside the caller's stack (a follower may
 * be attached from inside a callback that is still setting itself up).
 */
export class PushUpload {
  readonly path: string;
  readonly startedAt: number;
  /** Who sent it: the client address of the request. */
  readonly client: string;
  /** It replaces a file of the same name (PUT answers 204, not 201). */
  readonly replaces: boolean;
  #chunks: Buffer[] = [];
  #size = 0;
  #state: UploadState = 'open';
  #bytes: Buffer | undefined;
  #reason: SharecastError | undefined;
  readonly #followers = new Set<GrowthListener>();
  readonly #budget: UploadBudget;
  readonly #done: Promise<Buffer>;
  #resolve!: (b: Buffer) => void;
  #reject!: (e: SharecastError) => void;

  constructor(o: { path: string; client: string; startedAt: number; budget: UploadBudget; replaces: boolean }) {
    this.path = o.path;
    this.client = o.client;
    this.replaces = o.replaces;
    this.startedAt = o.startedAt;
    this.#budget = o.budget;
    this.#done = new Promise<Buffer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody may be waiting: an aborted upload must not be an unhandled rejection.
    this.#done.catch(() => undefined);
  }

  get size(): number {
    return this.#size;
  }

  get state(): UploadState {
    return this.#state;
  }

  /** Resolves with the whole file once complete; rejects when it breaks off. */
  get done(): Promise<Buffer> {
    return this.#done;
  }

  /** The next bytes. Throws (PushTooLarge, PushMemoryFull) when they do not fit: the caller aborts. */
  write(chunk: Buffer): void {
    if (this.#state !== 'open' || chunk.byteLength === 0) return;
    this.#budget.take(this, chunk.byteLength);
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    for (const f of this.#followers) later(() => this.#followers.has(f) && f.onData(chunk));
  }

  /** Every byte arrived, as declared: the upload is a file now. */
  complete(): Buffer {
    if (this.#state === 'complete') return this.#bytes as Buffer;
    if (this.#state === 'aborted') throw this.#reason as SharecastError;
    this.#state = 'complete';
    const bytes = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [bytes];
    this.#bytes = bytes;
    this.#budget.settled(this, bytes);
    this.#resolve(bytes);
    const size = this.#size;
    for (const f of this.#followers) later(() => this.#followers.delete(f) && f.onComplete(size));
    return bytes;
  }

  /** The upload broke off (or was refused): it is never published. */
  abort(reason: SharecastError): void {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.#reason = reason;
    this.#chunks = [];
    this.#budget.settled(this, null);
    this.#reject(reason);
    for (const f of this.#followers) later(() => this.#followers.delete(f) && f.onGone(reason));
  }

  /**
   * Follows the upload: what arrived so far first, then each new chunk, then
   * onComplete or onGone. Returns the function that stops following.
   */
  follow(listener: GrowthListener): () => void {
    if (this.#state === 'aborted') {
      const reason = this.#reason ?? new SharecastError(ErrorCode.SegmentIncomplete, 'the upload broke off');
      later(() => listener.onGone(reason));
      return () => undefined;
    }
    this.#followers.add(listener);
    const sofar = this.#chunks.slice();
    const size = this.#size;
    const complete = this.#state === 'complete';
    if (complete) this.#followers.delete(listener);
    let stopped = false;
    later(() => {
      if (stopped) return;
      for (const c of sofar) listener.onData(c);
      if (complete) listener.onComplete(size);
    });
    return () => {
      stopped = true;
      this.#followers.delete(listener);
    };
  }
}

/** Runs `f` after the current call stack, in order with other such calls. */
function later(f: () => unknown): void {
  queueMicrotask(() => void f());
}
