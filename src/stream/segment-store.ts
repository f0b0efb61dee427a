import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A segment, part or init section ready to serve: bytes and headers made once. */
export interface StoredBody {
  bytes: Buffer;
  etag: string;
  contentType: string;
  lastModified: string;
}

/** What changed in what viewers can fetch from one stream: lets an edge worker keep a replica. */
export type StoreEvent =
  | { type: 'body'; stream: string; name: string; body: StoredBody }
  | { type: 'unpin'; stream: string; names: string[] };

const CONTENT_TYPES: Record<string, string> = {
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.aac': 'audio/aac',
  '.mp3': 'audio/mpeg',
  '.ac3': 'audio/ac3',
  '.ec3': 'audio/eac3',
  '.vtt': 'text/vtt',
  '.webvtt': 'text/vtt',
};

const SAFE_EXT = /^\.[a-z0-9]{1,6}$/i;

export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  return CONTENT_TYPES[dot >= 0 ? name.slice(dot).toLowerCase() : ''] ?? 'application/octet-stream';
}

/** The file extension of a source URI, lower case, if it is a plain one; else `fallback`. */
export function extensionOf(uri: string, fallback: string): string {
  const path = uri.split(/[?#]/)[0] ?? '';
  const dot = path.lastIndexOf('.');
  const ext = dot >= 0 ? path.slice(dot) : '';
  return SAFE_EXT.test(ext) ? ext.toLowerCase() : fallback;
}

/** Wraps bytes for serving. The ETag is a content hash. */
export function makeBody(name: string, bytes: Uint8Array, now: number): StoredBody {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hash = createHash('sha1').update(buf).digest('base64url').slice(0, 16);
  return { bytes: buf, etag: `"${hash}"`, contentType: contentTypeFor(name), lastModified: new Date(now).toUTCString() };
}

export interface SegmentStoreOptions {
  /** Upper bound for the bytes held, pinned and in the LRU together (--cache-size). */
  maxBytes: number;
}

/** What StreamFiles.keep did. */
export interface KeepResult {
  /** Bytes this stream pins now. */
  pinnedBytes: number;
  /** Names asked for that are not pinned: they did not fit beside the other streams' (left to the LRU), or were pushed out of it before. */
  left: number;
  /** The bytes of those still held by the LRU. */
  leftBytes: number;
  /** What this stream could pin: the cache less what the other streams pin. */
  budgetBytes: number;
}

/**
 * Every public body, for every stream: what a viewer's segment, part or init
 * GET is answered from, in memory, within maxBytes in all. Each stream's live
 * window is pinned (never evicted); what leaves it stays in one LRU, shared
 * by all streams, in what room the pinned bodies leave, until it is pushed
 * out. When a window is larger than the whole cache, its oldest bodies are
 * not pinned (keep says so): they are served while the LRU still has them,
 * then answered 404, never a 5xx.
 *
 * Public names are made here (`StreamFiles.segmentName` etc.) and carry the
 * run id, so no URL is ever reused for other bytes, across restarts of OBS and
 * of sharecast. A name, once stored, is never given other bytes.
 */
export class SegmentStore {
  readonly #lru: LRUCache<string, StoredBody>;
  readonly #streams = new Map<string, StreamFiles>();
  readonly #maxBytes: number;

  constructor(options: SegmentStoreOptions) {
    this.#maxBytes = options.maxBytes;
    this.#lru = new LRUCache<string, StoredBody>({
      maxSize: options.maxBytes,
      // A body larger than the whole cache is not kept (pinned bodies do not count here).
      maxEntrySize: options.maxBytes,
      sizeCalculation: (body) => Math.max(1, body.bytes.byteLength),
    });
  }

  /** The files of one stream. `runId` is unique per run of sharecast. */
  stream(name: string, runId: string): StreamFiles {
    let files = this.#streams.get(name);
    if (!files) {
      const self: StreamFiles = new StreamFiles(name, runId, this.#lru, {
        budget: (): number => this.#maxBytes - (this.pinnedBytes - self.pinnedBytes),
        trim: () => this.#trim(),
      });
      files = self;
      this.#streams.set(name, files);
    }
    return files;
  }

  /** Pushes the least recently used unpinned bodies out until pinned and LRU together fit in maxBytes. */
  #trim(): void {
    const room = this.#maxBytes - this.pinnedBytes;
    while (this.#lru.size > 0 && this.#lru.calculatedSize > room) this.#lru.pop();
  }

  /** Bytes held by the LRU (bodies no longer pinned by any stream). */
  get lruBytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Bytes pinned by every stream's live window. */
  get pinnedBytes(): number {
    let n = 0;
    for (const s of this.#streams.values()) n += s.pinnedBytes;
    return n;
  }
}

/** How much one stream may pin, and a way to make room in the shared LRU. */
interface StoreRoom {
  budget(): number;
  trim(): void;
}

/**
 * One stream's public files: names, bodies, pinning, and the events an edge
 * worker's replica follows. Segments that are still growing are built here
 * too (see GrowingSegment).
 */
export class StreamFiles {
  readonly stream: string;
  readonly #runId: string;
  readonly #lru: LRUCache<string, StoredBody>;
  readonly #room: StoreRoom;
  readonly #pinned = new Map<string, StoredBody>();
  readonly #observers = new Set<(e: StoreEvent) => void>();
  #pinnedBytes = 0;
  #nextInit = 0;

  constructor(stream: string, runId: string, lru: LRUCache<string, StoredBody>, room: StoreRoom) {
    this.stream = stream;
    this.#runId = runId;
    this.#lru = lru;
    this.#room = room;
  }

  /** Public name of the segment with relay media sequence number `msn`. */
  segmentName(msn: number, ext: string): string {
    return `${this.#runId}-${msn}${ext}`;
  }

  /** Public name of part `index` (from 0) of segment `msn`. */
  partName(msn: number, index: number, ext: string): string {
    return `${this.#runId}-${msn}.${index}${ext}`;
  }

  /** A fresh public name for an init section (EXT-X-MAP). */
  newInitName(ext: string): string {
    return `${this.#runId}-init${this.#nextInit++}${ext}`;
  }

  /** Stores and pins a complete body under `name`. Returns the stored body. */
  put(name: string, bytes: Uint8Array, now: number): StoredBody {
    const existing = this.get(name);
    if (existing) {
      if (Buffer.compare(existing.bytes, bytes) !== 0) throw new Error(`public name ${name} is already taken by other bytes`);
      this.#pin(name, existing);
      return existing;
    }
    const body = makeBody(name, bytes, now);
    this.#pin(name, body);
    this.#room.trim();
    return body;
  }

  /** Starts a segment that is published part by part while it is still being written. */
  beginSegment(msn: number, ext: string): GrowingSegment {
    return new GrowingSegment(this, msn, ext);
  }

  /** A body by public name: the pinned window first, then the LRU. No I/O. */
  get(name: string): StoredBody | undefined {
    return this.#pinned.get(name) ?? this.#lru.get(this.#key(name));
  }

  /** Whether `name` is pinned. */
  pinned(name: string): boolean {
    return this.#pinned.has(name);
  }

  /**
   * Keeps exactly these names pinned, most wanted first (the live edge, then
   * back through the window, then what left it): as many as fit in the
   * cache beside the other streams' pinned bodies, always the first. The
   * others stay in the LRU until it pushes them out; a name asked for again
   * is pinned again while the LRU still has it.
   */
  keep(names: Iterable<string>): KeepResult {
    const budget = this.#room.budget();
    const keep = new Map<string, StoredBody>();
    let bytes = 0;
    let left = 0;
    let leftBytes = 0;
    for (const name of names) {
      if (keep.has(name)) continue;
      const body = this.get(name);
      if (body === undefined) {
        // Asked for, but pushed out of the LRU already: a window that did not fit.
        left += 1;
        continue;
      }
      const size = body.bytes.byteLength;
      if (keep.size > 0 && (left > 0 || bytes + size > budget)) {
        left += 1;
        leftBytes += size;
        continue;
      }
      keep.set(name, body);
      bytes += size;
    }
    const dropped: string[] = [];
    for (const [name, body] of this.#pinned) {
      if (keep.has(name)) continue;
      this.#pinned.delete(name);
      this.#pinnedBytes -= body.bytes.byteLength;
      this.#lru.set(this.#key(name), body);
      dropped.push(name);
    }
    for (const [name, body] of keep) this.#pin(name, body);
    if (dropped.length > 0) this.#emit({ type: 'unpin', stream: this.stream, names: dropped });
    this.#room.trim();
    return { pinnedBytes: this.#pinnedBytes, left, leftBytes, budgetBytes: budget };
  }

  get pinnedBytes(): number {
    return this.#pinnedBytes;
  }

  /** Follow every body pinned and unpinned. The listener first gets every pinned body, then each change. */
  observe(listener: (e: StoreEvent) => void): () => void {
    for (const [name, body] of this.#pinned) listener({ type: 'body', stream: this.stream, name, body });
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  #pin(name: string, body: StoredBody): void {
    if (this.#pinned.has(name)) return;
    this.#lru.delete(this.#key(name));
    this.#pinned.set(name, body);
    this.#pinnedBytes += body.bytes.byteLength;
    this.#emit({ type: 'body', stream: this.stream, name, body });
  }

  #emit(e: StoreEvent): void {
    for (const o of this.#observers) o(e);
  }

  #key(name: string): string {
    return `${this.stream}/${name}`;
  }
}

/**
 * A segment still being written (LL-HLS): its parts become public one by one,
 * each immutable once stored, and the whole segment becomes public when it is
 * complete, as the exact concatenation of its parts.
 */
export class GrowingSegment {
  readonly msn: number;
  readonly name: string;
  readonly #files: StreamFiles;
  readonly #ext: string;
  readonly #parts: StoredBody[] = [];
  #done = false;

  constructor(files: StreamFiles, msn: number, ext: string) {
    this.#files = files;
    this.msn = msn;
    this.#ext = ext;
    this.name = files.segmentName(msn, ext);
  }

  /** Public name the next part will get. */
  get nextPartName(): string {
    return this.#files.partName(this.msn, this.#parts.length, this.#ext);
  }

  get partCount(): number {
    return this.#parts.length;
  }

  get byteLength(): number {
    return this.#parts.reduce((n, p) => n + p.bytes.byteLength, 0);
  }

  /** Stores the next part (bytes that are final). Returns its public name. */
  addPart(bytes: Uint8Array, now: number): string {
    if (this.#done) throw new Error(`segment ${this.name} is already complete`);
    const name = this.nextPartName;
    this.#parts.push(this.#files.put(name, bytes, now));
    return name;
  }

  /**
   * Stores the whole segment: the parts, then `tail` (bytes after the last
   * part, if any). Returns the segment's body.
   */
  complete(now: number, tail?: Uint8Array): StoredBody {
    if (this.#done) throw new Error(`segment ${this.name} is already complete`);
    this.#done = true;
    const pieces = this.#parts.map((p) => p.bytes);
    if (tail && tail.byteLength > 0) pieces.push(Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength));
    return this.#files.put(this.name, Buffer.concat(pieces), now);
  }

  /** The concatenation of the parts stored so far. */
  bytesSoFar(): Buffer {
    return Buffer.concat(this.#parts.map((p) => p.bytes));
  }
}
