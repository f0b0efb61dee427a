import type { SharecastError } from '../errors.js';
import type { GrowthListener } from '../ingest/source.js';
import { chunkTiming, scanChunks, type TrackInfo } from '../media/iso-bmff.js';

/** A run of whole CMAF chunks, ready to be one LL-HLS part. */
export interface CutPart {
  bytes: Buffer;
  duration: number;
  independent: boolean;
}

/** How a follow ended: complete, gone (with why), or stopped by the republisher (reason null). */
export type FollowEnd = { complete: true } | { complete: false; reason: SharecastError | null };

export interface SegmentFollowOptions {
  uri: string;
  /** The OBS run it belongs to (a restart starts another). */
  epoch: number;
  /** The init section's tracks: timescales and defaults for the chunks' durations. */
  tracks: readonly TrackInfo[];
  /** Parts are at least this long (whole chunks are joined until they are), except a segment's last. */
  minPartSeconds: number;
  /** Starts following; returns the function that stops. */
  start: (listener: GrowthListener) => () => void;
  /** Told when new parts were cut, or the follow ended. */
  onProgress: () => void;
}

/**
 * One segment followed while OBS writes it: its bytes as they arrive, cut
 * into parts at chunk boundaries (box headers only, nothing decoded), and
 * how it ended. Which parts become public, and when, is the republisher's
 * call.
 */
export class SegmentFollow {
  readonly uri: string;
  readonly epoch: number;
  readonly parts: CutPart[] = [];
  /** Parts already made public by the republisher. */
  released = 0;
  /** Reads that completed at least one chunk: more than one shows the file really grows chunk by chunk. */
  deliveries = 0;
  end: FollowEnd | undefined;
  readonly done: Promise<FollowEnd>;
  readonly #o: SegmentFollowOptions;
  #pieces: Buffer[] = [];
  #size = 0;
  #buf: Buffer = Buffer.alloc(0);
  /** Where the next chunk scan starts in #buf, and where the part being joined starts. */
  #scanFrom = 0;
  #partFrom = 0;
  #partDuration = 0;
  #partIndependent = false;
  #stop: () => void;
  #resolve!: (e: FollowEnd) => void;
  #error: string | undefined;

  constructor(o: SegmentFollowOptions) {
    this.#o = o;
    this.uri = o.uri;
    this.epoch = o.epoch;
    this.done = new Promise((r) => (this.#resolve = r));
    this.#stop = o.start({
      onData: (b) => this.#onData(b),
      onComplete: () => this.#finish({ complete: true }),
      onGone: (reason) => this.#finish({ complete: false, reason }),
    });
  }

  /** Every byte read so far. */
  bytes(): Buffer {
    if (this.#pieces.length > 1) this.#pieces = [Buffer.concat(this.#pieces, this.#size)];
    return this.#pieces[0] ?? Buffer.alloc(0);
  }

  /** Bytes after the last cut part (none when the file ended on a chunk boundary). */
  tail(): Buffer {
    return this.bytes().subarray(this.#partFrom);
  }

  /** Why the bytes could not be cut into chunks, if they could not (the file is not CMAF). */
  get error(): string | undefined {
    return this.#error;
  }

  stop(): void {
    this.#stop();
    this.#finish({ complete: false, reason: null });
  }

  #onData(b: Uint8Array): void {
    if (this.end) return;
    const chunk = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.#pieces.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#error !== undefined) return;
    this.#buf = this.bytes();
    let cut = 0;
    try {
      const scan = scanChunks(this.#buf, this.#scanFrom);
      for (const c of scan.chunks) {
        const t = chunkTiming(this.#buf, c.moof, this.#o.tracks);
        if (this.#partDuration === 0) this.#partIndependent = t.independent;
        this.#partDuration += t.duration;
        this.#scanFrom = c.end;
        if (this.#partDuration >= this.#o.minPartSeconds) {
          this.#cut(c.end);
          cut += 1;
        }
      }
    } catch (err) {
      this.#error = (err as Error).message;
    }
    if (cut > 0) {
      this.deliveries += 1;
      this.#o.onProgress();
    }
  }

  #cut(end: number): void {
    this.parts.push({ bytes: Buffer.from(this.#buf.subarray(this.#partFrom, end)), duration: this.#partDuration, independent: this.#partIndependent });
    this.#partFrom = end;
    this.#partDuration = 0;
  }

  #finish(end: FollowEnd): void {
    if (this.end) return;
    // The segment's last part may be shorter than the others.
    if (end.complete && this.#error === undefined && this.#partDuration > 0) this.#cut(this.#scanFrom);
    this.end = end;
    this.#stop();
    this.#resolve(end);
    this.#o.onProgress();
  }
}
