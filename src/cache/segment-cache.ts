import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A segment or init section ready to serve: bytes and headers made once. */
export interface CachedBody {
  bytes: Buffer;
  etag: string;
  contentType: string;
  lastModified: string;
}

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

export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  return CONTENT_TYPES[dot >= 0 ? name.slice(dot).toLowerCase() : ''] ?? 'application/octet-stream';
}

/** Wraps bytes read from the source for serving. The ETag is a content hash. */
export function makeBody(name: string, bytes: Uint8Array, now: number): CachedBody {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hash = createHash('sha1').update(buf).digest('base64url').slice(0, 16);
  return { bytes: buf, etag: `"${hash}"`, contentType: contentTypeFor(name), lastModified: new Date(now).toUTCString() };
}

export interface SegmentCacheOptions {
  /** Upper bound for the bytes held. */
  maxBytes: number;
}

/**
 * Segment bytes in memory, bounded in bytes (lru-cache), keyed by the public
 * name under a stream ("live/abc-12.ts"). Viewers only ever `get`: the source
 * is read by the republisher through `load`, which is single-flight: however
 * many callers ask for the same source file at once, it is read once.
 */
export class SegmentCache {
  readonly #lru: LRUCache<string, CachedBody>;
  readonly #inflight = new Map<string, Promise<Uint8Array>>();
  #loads = 0;

  constructor(options: SegmentCacheOptions) {
    this.#lru = new LRUCache<string, CachedBody>({
      maxSize: options.maxBytes,
      // A body larger than the whole cache is not kept (the republisher pins its live window itself).
      maxEntrySize: options.maxBytes,
      sizeCalculation: (body) => Math.max(1, body.bytes.byteLength),
    });
  }

  get(key: string): CachedBody | undefined {
    return this.#lru.get(key);
  }

  set(key: string, body: CachedBody): void {
    this.#lru.set(key, body);
  }

  /** Reads `sourceKey` with `read`, once however many ask at the same time. */
  load(sourceKey: string, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const pending = this.#inflight.get(sourceKey);
    if (pending) return pending;
    this.#loads += 1;
    let started: Promise<Uint8Array>;
    try {
      started = read();
    } catch (err) {
      // A reader that throws at once still gives a rejected promise, never a throw out of load().
      started = Promise.reject(err);
    }
    const p = started.finally(() => this.#inflight.delete(sourceKey));
    this.#inflight.set(sourceKey, p);
    return p;
  }

  /** How many source reads `load` started (for tests and metrics). */
  get loads(): number {
    return this.#loads;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get entries(): number {
    return this.#lru.size;
  }
}
