import { ErrorCode, SharecastError } from '../../errors.js';
import type { GrowthListener } from '../source.js';
import type { PushFileKind } from './push-names.js';
import { PushUpload, type UploadBudget } from './push-upload.js';

export interface PushFilesOptions {
  /** Largest single upload (bytes). */
  maxFileBytes: number;
  /** All of one stream's uploads together, complete and in progress (bytes). */
  maxBytes: number;
  now: () => number;
  /** Told of every chunk that came (the pusher is active). */
  onBytes?: (upload: PushUpload) => void;
  /** Told of every upload that completed, once it is readable (a DASH manifest is told of, then dropped). */
  onStored?: (path: string, kind: PushFileKind, bytes: Buffer) => void;
}

/** A follower of a file whose upload has not started yet. */
interface Waiter {
  start(upload: PushUpload): void;
  cancel(): void;
}

/** A complete upload. */
interface StoredFile {
  kind: PushFileKind;
  bytes: Buffer;
  completedAt: number;
  /** When the stream took it (read whole, or followed to its end); 0 while it has not. */
  deliveredAt: number;
}

/** Counted for every file besides its bytes, so a flood of tiny files fills the cap too. */
const FILE_OVERHEAD = 1024;
/** A file no playlist lists is dropped this long after it came (or was taken). */
const UNLISTED_MS = 30_000;

/**
 * One push stream's files, in memory only, bounded in bytes: complete
 * uploads (readable), uploads in progress (followable), and who waits for
 * an upload that has not started yet. What the stream has taken, and what
 * no playlist lists, goes first when room is needed; the playlists, and
 * listed segments the stream has not taken yet, are never dropped to make
 * room: the new upload is refused instead (PushMemoryFull).
 */
export class PushFiles implements UploadBudget {
  readonly #o: PushFilesOptions;
  readonly #files = new Map<string, StoredFile>();
  readonly #uploads = new Map<string, PushUpload>();
  /** Followers of a file whose upload has not started yet. */
  readonly #waiting = new Map<string, Set<Waiter>>();
  readonly #kinds = new WeakMap<PushUpload, PushFileKind>();
  #listed: ReadonlySet<string> = new Set();
  #inits: ReadonlySet<string> = new Set();
  #used = 0;

  constructor(o: PushFilesOptions) {
    this.#o = o;
  }

  /** Bytes held (complete files, uploads in progress, and the per-file overhead). */
  get used(): number {
    return this.#used;
  }

  get fileCount(): number {
    return this.#files.size;
  }

  /**
   * Starts an upload of `path`. A file or upload of that name is replaced
   * (an earlier upload of it is cut off). A declared length over the cap is
   * refused before any byte is read.
   */
  begin(path: string, kind: PushFileKind, client: string, declaredLength: number | undefined): PushUpload {
    if (declaredLength !== undefined && declaredLength > this.#o.maxFileBytes) throw this.#tooLarge();
    const earlier = this.#uploads.get(path);
    earlier?.abort(new SharecastError(ErrorCode.SegmentIncomplete, 'a new upload of the same file came before this one was complete'));
    const replaces = this.#drop(path) || earlier !== undefined;
    // Room for the whole declared body is made now; its bytes are counted as they come.
    this.#reserve(FILE_OVERHEAD + (declaredLength ?? 0));
    this.#used -= declaredLength ?? 0;
    const upload = new PushUpload({ path, client, startedAt: this.#o.now(), budget: this, replaces });
    this.#uploads.set(path, upload);
    this.#kinds.set(upload, kind);
    const waiting = this.#waiting.get(path);
    if (waiting) {
      this.#waiting.delete(path);
      for (const w of waiting) w.start(upload);
    }
    return upload;
  }

  take(upload: PushUpload, n: number): void {
    if (upload.size + n > this.#o.maxFileBytes) throw this.#tooLarge();
    this.#reserve(n);
    this.#o.onBytes?.(upload);
  }

  settled(upload: PushUpload, bytes: Buffer | null): void {
    if (this.#uploads.get(upload.path) === upload) this.#uploads.delete(upload.path);
    if (bytes === null) {
      this.#used -= upload.size + FILE_OVERHEAD;
      return;
    }
    const kind = this.#kinds.get(upload) ?? 'media';
    if (kind === 'manifest') {
      // The DASH manifest is taken and dropped: the relay serves HLS from the playlists beside it.
      this.#used -= upload.size + FILE_OVERHEAD;
      this.#o.onStored?.(upload.path, kind, bytes);
      return;
    }
    this.#files.set(upload.path, { kind, bytes, completedAt: this.#o.now(), deliveredAt: 0 });
    this.#o.onStored?.(upload.path, kind, bytes);
  }

  /** A complete file's bytes, or undefined. `deliver` marks it taken by the stream. */
  get(path: string, deliver = false): Buffer | undefined {
    const f = this.#files.get(path);
    if (f && deliver && f.deliveredAt === 0) f.deliveredAt = this.#o.now();
    return f?.bytes;
  }

  /** The upload of `path` in progress, if any. */
  uploading(path: string): PushUpload | undefined {
    return this.#uploads.get(path);
  }

  /** Every upload in progress. */
  uploads(): PushUpload[] {
    return [...this.#uploads.values()];
  }

  /** DELETE: the file goes, and an upload of it in progress is cut off. True when there was something. */
  remove(path: string): boolean {
    const upload = this.#uploads.get(path);
    upload?.abort(new SharecastError(ErrorCode.SegmentIncomplete, 'the file was deleted while it was being uploaded'));
    return this.#drop(path) || upload !== undefined;
  }

  /**
   * Follows `path`: the complete file at once, the upload in progress from
   * its first byte, or the upload when it starts (given up after `idleMs`).
   */
  follow(path: string, listener: GrowthListener, idleMs: number): () => void {
    const stored = this.#files.get(path);
    if (stored) {
      let stopped = false;
      queueMicrotask(() => {
        if (stopped) return;
        listener.onData(stored.bytes);
        if (stored.deliveredAt === 0) stored.deliveredAt = this.#o.now();
        listener.onComplete(stored.bytes.byteLength);
      });
      return () => (stopped = true);
    }
    const deliver: GrowthListener = {
      onData: (b) => listener.onData(b),
      onComplete: (n) => {
        this.get(path, true);
        listener.onComplete(n);
      },
      onGone: (e) => listener.onGone(e),
    };
    const now = this.#uploads.get(path);
    if (now) return now.follow(deliver);
    let stop: (() => void) | undefined;
    const waiter: Waiter = {
      start: (u) => {
        clearTimeout(timer);
        stop = u.follow(deliver);
      },
      cancel: () => clearTimeout(timer),
    };
    const timer = setTimeout(() => {
      this.#waiting.get(path)?.delete(waiter);
      listener.onGone(new SharecastError(ErrorCode.SegmentIncomplete, 'the next segment never arrived'));
    }, idleMs);
    timer.unref();
    let set = this.#waiting.get(path);
    if (!set) this.#waiting.set(path, (set = new Set()));
    set.add(waiter);
    return () => {
      waiter.cancel();
      this.#waiting.get(path)?.delete(waiter);
      stop?.();
    };
  }

  /**
   * The files the current playlists list (paths below the stream's root),
   * and which of them are init sections (EXT-X-MAP). Files no playlist
   * lists are dropped once taken (or after a while); listed segments a
   * while after they were taken; listed init sections stay.
   */
  setListed(paths: ReadonlySet<string>, inits: ReadonlySet<string>): void {
    this.#listed = paths;
    this.#inits = inits;
    this.#sweep();
  }

  /** Cuts off every upload in progress and forgets every file (the stream closes, or a new pusher takes over). */
  clear(reason: SharecastError): void {
    for (const u of [...this.#uploads.values()]) u.abort(reason);
    for (const path of [...this.#files.keys()]) this.#drop(path);
    for (const set of this.#waiting.values()) for (const w of set) w.cancel();
    this.#waiting.clear();
  }

  #sweep(): void {
    const old = this.#o.now() - UNLISTED_MS;
    for (const [path, f] of this.#files) {
      if (f.kind === 'playlist') continue;
      const taken = f.deliveredAt !== 0;
      const drop = this.#listed.has(path) ? taken && f.deliveredAt < old && !this.#inits.has(path) : taken || f.completedAt < old;
      if (drop) this.#drop(path);
    }
  }

  /** Makes room for `n` more bytes: taken files first, then unlisted ones, oldest first; else PushMemoryFull. */
  #reserve(n: number): void {
    if (this.#used + n <= this.#o.maxBytes) {
      this.#used += n;
      return;
    }
    const candidates = [...this.#files.entries()]
      .filter(([path, f]) => f.kind !== 'playlist' && (f.deliveredAt !== 0 || !this.#listed.has(path)))
      .sort(([, a], [, b]) => Number(a.deliveredAt === 0) - Number(b.deliveredAt === 0) || a.completedAt - b.completedAt);
    for (const [path] of candidates) {
      if (this.#used + n <= this.#o.maxBytes) break;
      this.#drop(path);
    }
    if (this.#used + n > this.#o.maxBytes) {
      throw new SharecastError(
        ErrorCode.PushMemoryFull,
        `the stream's uploads would use more than ${this.#o.maxBytes} bytes of memory (--push-memory); segments are not being taken as fast as they come`,
      );
    }
    this.#used += n;
  }

  #drop(path: string): boolean {
    const f = this.#files.get(path);
    if (!f) return false;
    this.#files.delete(path);
    this.#used -= f.bytes.byteLength + FILE_OVERHEAD;
    return true;
  }

  #tooLarge(): SharecastError {
    return new SharecastError(ErrorCode.PushTooLarge, `an upload may be at most ${this.#o.maxFileBytes} bytes (--push-max-file)`);
  }
}
