import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';

function uris(text: string): string[] {
  const p = new Parser();
  p.push(text);
  p.end();
  return (p.manifest as { segments: Array<{ uri: string }> }).segments.map((s) => s.uri);
}

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

/**
 * Measures relay lag from outside: watches OBS's playlist in its folder
 * (inotify plus 5 ms polling) and polls the relay's playlist every 5 ms,
 * recording when each segment's bytes first appear on either side. Segments
 * are matched by content hash, so names and sequence numbers do not matter.
 */
export class LagProbe {
  /** content hash -> when OBS's playlist first listed it */
  readonly #source = new Map<string, number>();
  readonly #sourceUris = new Set<string>();
  /** content hash -> when the relay's playlist first listed it */
  readonly #relay = new Map<string, number>();
  readonly #relayUris = new Set<string>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #relayLoop: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly relayUrl: string,
    private readonly playlist = 'stream.m3u8',
  ) {}

  start(): void {
    this.#watcher = watch(this.dir, () => this.#checkSource());
    this.#timer = setInterval(() => this.#checkSource(), 5);
    this.#polling = true;
    this.#relayLoop = this.#pollRelay();
  }

  async stop(): Promise<void> {
    this.#polling = false;
    await this.#relayLoop;
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher?.close();
  }

  /** Segments OBS has listed so far. */
  get sourceCount(): number {
    return this.#source.size;
  }

  /** Lag in ms per segment, in OBS's order, leaving out the first `skip` (the start-up baseline and window fill). */
  lags(skip = 2): number[] {
    const out: number[] = [];
    for (const [hash, at] of [...this.#source.entries()].sort((a, b) => a[1] - b[1]).slice(skip)) {
      const r = this.#relay.get(hash);
      if (r !== undefined) out.push(Math.max(0, r - at));
    }
    return out;
  }

  #checkSource(): void {
    const at = performance.now();
    let text: string;
    try {
      text = readFileSync(join(this.dir, this.playlist), 'utf8');
    } catch {
      return;
    }
    for (const uri of uris(text)) {
      if (this.#sourceUris.has(uri)) continue;
      try {
        this.#source.set(sha1(readFileSync(join(this.dir, uri))), at);
        this.#sourceUris.add(uri);
      } catch {
        // deleted already
      }
    }
  }

  async #pollRelay(): Promise<void> {
    while (this.#polling) {
      const at = performance.now();
      try {
        const res = await fetch(`${this.relayUrl}/hls/live/index.m3u8`);
        const text = await res.text();
        if (res.ok) {
          for (const uri of uris(text)) {
            if (this.#relayUris.has(uri)) continue;
            this.#relayUris.add(uri);
            const seg = await fetch(`${this.relayUrl}/hls/live/${uri}`);
            this.#relay.set(sha1(Buffer.from(await seg.arrayBuffer())), at);
          }
        }
      } catch {
        // keep polling
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
