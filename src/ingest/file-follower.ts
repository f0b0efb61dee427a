import { type FileHandle, open, stat } from 'node:fs/promises';
import { ErrorCode, SharecastError } from '../errors.js';
import type { GrowthListener } from './source.js';

export interface FileFollowerOptions {
  /** Where the file ends up once complete. */
  finalPath: string;
  /** Where it grows until then (ffmpeg's dash muxer: NAME.tmp, renamed when complete). */
  growingPath: string;
  listener: GrowthListener;
  /** How often to look for new bytes (ms); a kick() looks at once. */
  intervalMs: number;
  /** Give up when the file neither appears nor grows for this long (ms). */
  idleTimeoutMs: number;
  /** Refuse a file larger than this. */
  maxBytes: number;
}

const READ_CHUNK = 256 * 1024;

/**
 * Follows one segment file while ffmpeg writes it: opens the growing file
 * (or the final one, if it is already there), passes on every new byte in
 * order, and says it is complete once the file is renamed into place. The
 * open handle follows the file through the rename, so no byte is read twice
 * or missed. Never throws out of a timer: failures end the follow with onGone.
 */
export class FileFollower {
  readonly #o: FileFollowerOptions;
  #handle: FileHandle | undefined;
  #ino = -1;
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #again = false;
  #ended = false;
  #lastProgress = Date.now();

  constructor(options: FileFollowerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.#o.intervalMs);
    this.#timer.unref();
    this.kick();
  }

  /** Looks for new bytes now (a file event says the folder changed). */
  kick(): void {
    if (this.#ended) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    void this.#look()
      .catch((err: unknown) => this.#end({ gone: toGone(err) }))
      .finally(() => {
        this.#busy = false;
        if (this.#again && !this.#ended) {
          this.#again = false;
          this.kick();
        }
      });
  }

  close(): void {
    this.#end(null);
  }

  async #look(): Promise<void> {
    if (!this.#handle) {
      // The final name first: a file already complete is read whole and done.
      for (const path of [this.#o.finalPath, this.#o.growingPath]) {
        const h = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (h) {
          this.#handle = h;
          this.#ino = (await h.stat()).ino;
          break;
        }
      }
      if (!this.#handle) {
        this.#checkIdle();
        return;
      }
    }
    // Is it in place yet? Then everything up to its size is the whole file.
    const final = await stat(this.#o.finalPath).catch(() => undefined);
    const complete = final !== undefined && final.ino === this.#ino;
    if (final !== undefined && !complete) throw new SharecastError(ErrorCode.SegmentIncomplete, 'another file took the name of the segment being followed');
    const nlink = await this.#readNew();
    if (this.#ended) return;
    if (!complete && nlink === 0) throw new SharecastError(ErrorCode.SegmentIncomplete, 'the segment was deleted before it was complete');
    if (complete) {
      // Bytes written between our read and the rename check are read too: the size is final now.
      await this.#readNew();
      this.#end({ complete: true });
      return;
    }
    this.#checkIdle();
  }

  /** Reads what was added since the last look. Returns the file's link count (0: deleted). */
  async #readNew(): Promise<number> {
    const h = this.#handle;
    if (!h) return 1;
    const { size, nlink } = await h.stat();
    if (size > this.#o.maxBytes) throw new SharecastError(ErrorCode.SourceUnavailable, `the segment grew past ${this.#o.maxBytes} bytes`);
    if (size < this.#offset) throw new SharecastError(ErrorCode.SegmentIncomplete, 'the segment being followed shrank');
    while (this.#offset < size && !this.#ended) {
      const want = Math.min(READ_CHUNK, size - this.#offset);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await h.read(buf, 0, want, this.#offset);
      if (bytesRead === 0) break;
      this.#offset += bytesRead;
      this.#lastProgress = Date.now();
      if (!this.#ended) this.#o.listener.onData(bytesRead === want ? buf : buf.subarray(0, bytesRead));
    }
    return nlink;
  }

  #checkIdle(): void {
    if (Date.now() - this.#lastProgress > this.#o.idleTimeoutMs) {
      throw new SharecastError(ErrorCode.SegmentIncomplete, this.#handle ? 'the segment stopped growing and was never completed' : 'the next segment never appeared');
    }
  }

  #end(result: { complete: true } | { gone: SharecastError } | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer) clearInterval(this.#timer);
    const h = this.#handle;
    this.#handle = undefined;
    void h?.close().catch(() => undefined);
    if (result === null) return;
    if ('complete' in result) this.#o.listener.onComplete(this.#offset);
    else this.#o.listener.onGone(result.gone);
  }
}

function toGone(err: unknown): SharecastError {
  if (err instanceof SharecastError) return err;
  return new SharecastError(ErrorCode.SourceUnavailable, `cannot follow the segment: ${(err as Error).message}`, { cause: err });
}
