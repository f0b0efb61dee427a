import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { chunkTiming, parseInit, scanChunks, type TrackInfo } from '../../src/media/iso-bmff.js';
import { nextPartDirective, partUris } from '../../test/helpers/ll-client.js';

interface Growing {
  name: string;
  bytes: Buffer;
  size: number;
  scanned: number;
}

/**
 * The relay's part lag, measured from outside: the time from the last byte
 * of a CMAF chunk reaching ffmpeg's growing `.tmp` file (polled every 5 ms,
 * plus file events) to the relay's answer to a blocking playlist reload
 * that lists it as a part. Chunks and parts are matched by the decode time
 * in their moof (tfdt), so names and numbers do not matter. One rendition:
 * `stream` is ffmpeg's stream index (0 = video), `playlist` the relay's name.
 */
export class PartLagProbe {
  readonly #written = new Map<number, number>();
  readonly #public = new Map<number, number>();
  readonly #uris = new Map<number, string>();
  readonly #seenParts = new Set<string>();
  #tracks: TrackInfo[] | undefined;
  #current: Growing | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly relayUrl: string,
    private readonly stream = 0,
    private readonly playlist = 'media-0.m3u8',
  ) {}

  start(): void {
    this.#running = true;
    this.#watcher = watch(this.dir, () => this.#checkFile());
    this.#timer = setInterval(() => this.#checkFile(), 5);
    this.#loop = this.#followRelay();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher?.close();
    await this.#loop;
  }

  /** Lag per part in ms (relay public minus chunk written), for the parts seen on both sides. */
  lags(): number[] {
    return this.#lagsByUri().map(([, lag]) => lag);
  }

  /** The `n` parts that lagged most: [the relay's part URI, lag in ms]. */
  worst(n: number): Array<[string, number]> {
    return this.#lagsByUri().sort((a, b) => b[1] - a[1]).slice(0, n);
  }

  #lagsByUri(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [key, at] of this.#public) {
      const written = this.#written.get(key);
      if (written !== undefined) out.push([this.#uris.get(key) ?? '?', at - written]);
    }
    return out;
  }

  #init(): TrackInfo[] | undefined {
    if (!this.#tracks) {
      try {
        this.#tracks = parseInit(readFileSync(join(this.dir, `init-stream${this.stream}.m4s`)));
      } catch {
        return undefined;
      }
    }
    return this.#tracks;
  }

  #checkFile(): void {
    const at = performance.now();
    const tracks = this.#init();
    if (!tracks) return;
    const prefix = `chunk-stream${this.stream}-`;
    let tmp: string | undefined;
    try {
      tmp = readdirSync(this.dir).find((n) => n.startsWith(prefix) && n.endsWith('.m4s.tmp'));
    } catch {
      return;
    }
    const cur = this.#current;
    if (cur && cur.name !== tmp) {
      // Renamed into place: the last bytes may have come with the rename.
      this.#grow(cur, join(this.dir, cur.name.replace(/\.tmp$/, '')), tracks, at);
      this.#current = undefined;
    }
    if (!tmp) return;
    if (!this.#current) this.#current = { name: tmp, bytes: Buffer.alloc(0), size: 0, scanned: 0 };
    this.#grow(this.#current, join(this.dir, tmp), tracks, at);
  }

  #grow(g: Growing, path: string, tracks: TrackInfo[], at: number): void {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= g.size) return;
      const add = Buffer.alloc(size - g.size);
      const n = readSync(fd, add, 0, add.length, g.size);
      g.bytes = Buffer.concat([g.bytes, add.subarray(0, n)]);
      g.size += n;
    } finally {
      closeSync(fd);
    }
    let scan;
    try {
      scan = scanChunks(g.bytes, g.scanned);
    } catch {
      return;
    }
    for (const chunk of scan.chunks) {
      const key = chunkTiming(g.bytes, chunk.moof, tracks).baseDecodeTime;
      if (!this.#written.has(key)) this.#written.set(key, at);
    }
    g.scanned = scan.next;
  }

  /** What hls.js does at the live edge: a blocking reload for the next part, then fetch the new parts. */
  async #followRelay(): Promise<void> {
    let directive = '';
    while (this.#running) {
      try {
        const res = await fetch(`${this.relayUrl}/hls/live/${this.playlist}${directive}`, { signal: AbortSignal.timeout(4000) });
        const text = await res.text();
        const at = performance.now();
        if (!res.ok) {
          directive = '';
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        for (const uri of partUris(text)) {
          if (this.#seenParts.has(uri)) continue;
          this.#seenParts.add(uri);
          const tracks = this.#init();
          const part = new Uint8Array(await (await fetch(`${this.relayUrl}/hls/live/${uri}`)).arrayBuffer());
          const first = tracks ? scanChunks(part, 0).chunks[0] : undefined;
          // Parts listed in the first answer were public before we looked: no lag to tell.
          if (first && tracks && directive !== '') {
            const key = chunkTiming(part, first.moof, tracks).baseDecodeTime;
            this.#public.set(key, at);
            this.#uris.set(key, uri);
          }
        }
        directive = nextPartDirective(text);
      } catch {
        directive = '';
      }
    }
  }
}
