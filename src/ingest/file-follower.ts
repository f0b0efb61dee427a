import { ErrorCode, SharecastError } from '../errors.js';
import type { GrowthListener } from './source.js';

/**
 * What following a growing file needs of where it lives: a local folder
 * (fs-follow-io.ts) or an SMB share (smb/follow-io.ts).
 */
export interface FollowIo<H> {
  /** Opens the file under its final name if it is there, else under its growing name; null while neither exists. */
  open(): Promise<{ handle: H; final: boolean } | null>;
  /** The file's size now, and whether it was deleted (unlinked, delete pending). */
  size(handle: H): Promise<{ size: number; deleted: boolean }>;
  read(handle: H, offset: number, length: number): Promise<Uint8Array>;
  /** Whether the final name now holds this very file ('same'), another one ('other'), or nothing yet ('none'). */
  finalName(handle: H): Promise<'same' | 'other' | 'none'>;
  close(handle: H): Promise<void>;
}

export interface FileFollowerOptions<H> {
  io: FollowIo<H>;
  listener: GrowthListener;
  /** How often to look for new bytes (ms); a kick() looks at once. */
  intervalMs: number;
  /** Give up when the file neither appears nor grows for this long (ms). */
  idleTimeoutMs: number;
  /** Refuse a file larger than this. */
  maxBytes: number;
  /** Largest single read. */
  readChunk?: number;
}

/**
 * Follows one segment file while ffmpeg writes it: opens the growing file
 * (or the final one, if it is already there), passes on every new byte in
 * order, and says it is complete once the file is renamed into place. The
 * open handle follows the file through the rename, so no byte is read twice
 * or missed. Never throws out of a timer: failures end the follow with onGone.
 */
export class FileFollower<H> {
  readonly #o: FileFollowerOptions<H>;
  #handle: H | undefined;
  #final = false;
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #again = false;
  #ended = false;
  #lastProgress = Date.now();

  constructor(options: FileFollowerOptions<H>) {
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
    const io = this.#o.io;
    if (this.#handle === undefined) {
      const opened = await io.open();
      if (this.#ended) {
        if (opened) await io.close(opened.handle).catch(() => undefined);
        return;
      }
      if (!opened) return this.#checkIdle();
      this.#handle = opened.handle;
      this.#final = opened.final;
    }
    const handle = this.#handle;
    // Is it in place yet? Then everything up to its size is the whole file.
    const where = this.#final ? 'same' : await io.finalName(handle);
    if (where === 'other') throw new SharecastError(ErrorCode.SegmentIncomplete, 'another file took the name of the segment being followed');
    const { deleted } = await this.#readNew(handle);
    if (this.#ended) return;
    if (where === 'same') {
      // Bytes written between our read and the rename check are read too: the size is final now.
      await this.#readNew(handle);
      this.#end({ complete: true });
      return;
    }
    if (deleted) throw new SharecastError(ErrorCode.SegmentIncomplete, 'the segment was deleted before it was complete');
    this.#checkIdle();
  }

  /** Reads what was added since the last look. */
  async #readNew(handle: H): Promise<{ deleted: boolean }> {
    const io = this.#o.io;
    const { size, deleted } = await io.size(handle);
    if (size > this.#o.maxBytes) throw new SharecastError(ErrorCode.SourceUnavailable, `the segment grew past ${this.#o.maxBytes} bytes`);
    if (size < this.#offset) throw new SharecastError(ErrorCode.SegmentIncomplete, 'the segment being followed shrank');
    const chunk = this.#o.readChunk ?? 256 * 1024;
    while (this.#offset < size && !this.#ended) {
      const bytes = await io.read(handle, this.#offset, Math.min(chunk, size - this.#offset));
      if (bytes.byteLength === 0) break;
      this.#offset += bytes.byteLength;
      this.#lastProgress = Date.now();
      if (!this.#ended) this.#o.listener.onData(bytes);
    }
    return { deleted };
  }

  #checkIdle(): void {
    if (Date.now() - this.#lastProgress > this.#o.idleTimeoutMs) {
      throw new SharecastError(ErrorCode.SegmentIncomplete, this.#handle !== undefined ? 'the segment stopped growing and was never completed' : 'the next segment never appeared');
    }
  }

  #end(result: { complete: true } | { gone: SharecastError } | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer) clearInterval(this.#timer);
    const h = this.#handle;
    this.#handle = undefined;
    if (h !== undefined) void this.#o.io.close(h).catch(() => undefined);
    if (result === null) return;
    if ('complete' in result) this.#o.listener.onComplete(this.#offset);
    else this.#o.listener.onGone(result.gone);
  }
}

function toGone(err: unknown): SharecastError {
  if (err instanceof SharecastError) return err;
  return new SharecastError(ErrorCode.SourceUnavailable, `cannot follow the segment: ${(err as Error).message}`, { cause: err });
}

/** A follow that a source keeps while it runs, to kick on file events and close with the source. */
export interface RunningFollow {
  kick(): void;
  close(): void;
}

/**
 * Starts following for a source: the follower is in `running` until it ends
 * (complete, gone or stopped). `mapGone` lets the source word a failure its
 * way. Returns the function that stops it.
 */
export function startFollow<H>(running: Set<RunningFollow>, o: Omit<FileFollowerOptions<H>, 'listener'> & { listener: GrowthListener; mapGone?: (e: SharecastError) => SharecastError }): () => void {
  const { listener, mapGone, ...rest } = o;
  const follower: FileFollower<H> = new FileFollower<H>({
    ...rest,
    listener: {
      onData: (b) => listener.onData(b),
      onComplete: (n) => {
        running.delete(follower);
        listener.onComplete(n);
      },
      onGone: (e) => {
        running.delete(follower);
        listener.onGone(mapGone ? mapGone(e) : e);
      },
    },
  });
  running.add(follower);
  follower.start();
  return () => {
    running.delete(follower);
    follower.close();
  };
}
