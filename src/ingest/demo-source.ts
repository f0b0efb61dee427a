import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { parsePlaylist } from '../hls/parse-playlist.js';
import type { PlaylistSnapshot, Source, SourceListener, SourceStatus } from './source.js';

export interface DemoSourceOptions {
  /** Folder with index.m3u8 and its segments (fixtures/demo). */
  folder: string;
  logger: Logger;
  /** Segments listed at once, like ffmpeg's hls_list_size. */
  listSize?: number;
  /** Playback speed factor; 1 is real time. Tests may speed it up. */
  speed?: number;
}

interface Clip {
  duration: number;
  bytes: Uint8Array;
}

const NAME_PATTERN = /^demo(\d{1,12})\.ts$/;

/**
 * A live stream made from the fixture segments, replayed in real time and
 * looping, with a discontinuity at each loop, the way ffmpeg would write it.
 * It goes through the same republisher as a real source.
 */
export class DemoSource implements Source {
  readonly kind = 'demo' as const;
  readonly description = 'demo (built-in test stream)';
  readonly #o: DemoSourceOptions;
  #clips: Clip[] = [];
  #listener: SourceListener | undefined;
  #status: SourceStatus = { state: 'starting', since: Date.now() };
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: DemoSourceOptions) {
    this.#o = options;
  }

  async start(listener: SourceListener): Promise<void> {
    this.#listener = listener;
    try {
      const playlist = parsePlaylist(await readFile(join(this.#o.folder, 'index.m3u8'), 'utf8'));
      this.#clips = await Promise.all(
        playlist.segments.map(async (s) => ({ duration: s.duration, bytes: await readFile(join(this.#o.folder, s.uri)) })),
      );
      if (this.#clips.length === 0) throw new Error('no segments');
    } catch (err) {
      this.#setStatus({ state: 'error', since: Date.now(), error: { code: ErrorCode.SourceUnavailable, message: `demo fixtures missing in ${this.#o.folder}: ${(err as Error).message}` } });
      return;
    }
    // Nothing was there before: the first playlist is a fresh start, published at once.
    this.#setStatus({ state: 'waiting', since: Date.now() });
    this.#setStatus({ state: 'ok', since: Date.now() });
    // Start with a full window "already played", then add one segment per segment duration.
    this.#next = Math.min(3, this.#clips.length);
    this.#emit();
    this.#schedule();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  status(): SourceStatus {
    return this.#status;
  }

  async readSegment(uri: string): Promise<Uint8Array> {
    const m = NAME_PATTERN.exec(uri);
    const n = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(n) || n >= this.#next || this.#clips.length === 0) {
      throw new SharecastError(ErrorCode.SourceUnavailable, `demo has no segment "${uri}"`);
    }
    return (this.#clips[n % this.#clips.length] as Clip).bytes;
  }

  #schedule(): void {
    if (this.#closed) return;
    const clip = this.#clips[(this.#next - 1) % this.#clips.length] as Clip;
    this.#timer = setTimeout(() => {
      this.#next += 1;
      this.#emit();
      this.#schedule();
    }, (clip.duration * 1000) / (this.#o.speed ?? 1));
    this.#timer.unref();
  }

  /** The playlist ffmpeg would have written after segment #next-1. */
  #emit(): void {
    const listSize = this.#o.listSize ?? 5;
    const first = Math.max(0, this.#next - listSize);
    const target = Math.ceil(Math.max(...this.#clips.map((c) => c.duration)));
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
    const loops = (n: number) => Math.floor(n / this.#clips.length);
    lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${loops(first)}`);
    for (let n = first; n < this.#next; n++) {
      if (n > first && n % this.#clips.length === 0) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${(this.#clips[n % this.#clips.length] as Clip).duration.toFixed(6)},`, `demo${n}.ts`);
    }
    const snapshot: PlaylistSnapshot = { text: `${lines.join('\n')}\n`, name: 'demo.m3u8', observedAt: Date.now() };
    this.#listener?.onPlaylist(snapshot);
  }

  #setStatus(s: SourceStatus): void {
    this.#status = s;
    if (s.state === 'error') this.#o.logger.error({ code: s.error?.code }, s.error?.message ?? 'demo source failed');
    this.#listener?.onStatus(s);
  }
}
