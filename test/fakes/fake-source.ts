import { ErrorCode, SharecastError } from '../../src/errors.js';
import type { PlaylistSnapshot, Source, SourceListener, SourceStatus } from '../../src/ingest/source.js';
import { resolveInside } from '../../src/ingest/safe-path.js';

/**
 * An in-memory stand-in for OBS's output folder: files by URI, a playlist
 * pushed by hand, reads that can be held back or made to fail.
 */
export class FakeSource implements Source {
  readonly kind = 'folder' as const;
  readonly description = 'fake (in memory)';
  readonly files = new Map<string, Uint8Array>();
  readonly reads: string[] = [];
  /** URI -> how many more reads of it fail. */
  readonly failing = new Map<string, number>();
  /** URI -> a read that waits until released. */
  readonly held = new Map<string, { promise: Promise<void>; release: () => void }>();
  listener: SourceListener | undefined;
  closed = false;

  constructor(private readonly clock: { now: number }) {}

  async start(listener: SourceListener): Promise<void> {
    this.listener = listener;
  }

  async readSegment(uri: string): Promise<Uint8Array> {
    this.reads.push(uri);
    resolveInside('', uri); // the same rule a real source applies
    const gate = this.held.get(uri);
    if (gate) await gate.promise;
    const fails = this.failing.get(uri) ?? 0;
    if (fails > 0) {
      this.failing.set(uri, fails - 1);
      throw new SharecastError(ErrorCode.SourceUnavailable, `"${uri}" is listed but not in the folder`);
    }
    const bytes = this.files.get(uri);
    if (!bytes) throw new SharecastError(ErrorCode.SourceUnavailable, `"${uri}" is listed but not in the folder`);
    return bytes;
  }

  status(): SourceStatus {
    return { state: 'ok', since: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  hold(uri: string): () => void {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.held.set(uri, { promise, release });
    return () => {
      this.held.delete(uri);
      release();
    };
  }

  /** Writes segment files (bytes derived from the name unless given). */
  write(uri: string, content?: string): void {
    this.files.set(uri, Buffer.from(content ?? `bytes of ${uri}`));
  }

  push(text: string, name = 'stream.m3u8'): void {
    const snapshot: PlaylistSnapshot = { text, name, observedAt: this.clock.now };
    this.listener?.onPlaylist(snapshot);
  }

  waiting(): void {
    this.listener?.onStatus({ state: 'waiting', since: this.clock.now });
  }
}
