import { createHash } from 'node:crypto';
import { parseRelayPlaylist, type Relay, type RelayPlaylist } from './relay.js';
import { Rfc8216Checker, type Rfc8216Options } from './rfc8216-check.js';

export interface WatcherOptions extends Rfc8216Options {
  /** The playlist to poll under /hls/STREAM/ (default index.m3u8; media-N.m3u8 for a rendition of a master). */
  file?: string;
  /** Check that a new segment comes within 1.5 target durations while live (default true; off where a test stalls the stream on purpose without the slate). */
  checkGrowth?: boolean;
}

/**
 * Plays the part of a viewer: polls the relay's playlist, fetches every new
 * segment once, and records every HTTP status, so a test can assert the
 * viewer-visible invariants afterwards (no 5xx, monotonic sequence numbers, a
 * name never reused for other bytes). Every version it sees goes through the
 * RFC 8216 validator (test/helpers/rfc8216-check.ts, and the LL-HLS rules for
 * an LL playlist); sequenceProblems() reports what it found.
 */
export class RelayWatcher {
  readonly statuses: Array<{ path: string; status: number; at: number }> = [];
  readonly playlists: RelayPlaylist[] = [];
  /** Segment URI -> sha1 of its bytes. */
  readonly segmentHashes = new Map<string, string>();
  readonly #relay: Relay;
  readonly #stream: string;
  readonly #file: string;
  readonly #rfc: Rfc8216Checker;
  readonly #checkGrowth: boolean;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #lastText = '';

  constructor(relay: Relay, stream = 'live', options: WatcherOptions = {}) {
    this.#relay = relay;
    this.#stream = stream;
    this.#file = options.file ?? 'index.m3u8';
    this.#rfc = new Rfc8216Checker(options);
    this.#checkGrowth = options.checkGrowth !== false;
  }

  start(intervalMs = 150): this {
    this.#timer = setInterval(() => void this.poll(), intervalMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    while (this.#busy) await new Promise((r) => setTimeout(r, 20));
  }

  get latest(): RelayPlaylist | undefined {
    return this.playlists.at(-1);
  }

  serverErrors(): Array<{ path: string; status: number }> {
    return this.statuses.filter((s) => s.status >= 500);
  }

  async poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const path = `/hls/${this.#stream}/${this.#file}`;
      const res = await this.#relay.get(path);
      this.statuses.push({ path, status: res.status, at: Date.now() });
      const text = await res.text();
      if (res.status !== 200 || text === this.#lastText) return;
      this.#lastText = text;
      this.#rfc.check(text, this.#file, this.#checkGrowth ? Date.now() : undefined);
      const pl = parseRelayPlaylist(text);
      this.playlists.push(pl);
      const wanted = new Set<string>();
      for (const s of pl.segments) {
        wanted.add(s.uri);
        if (s.map) wanted.add(s.map);
      }
      for (const uri of wanted) {
        if (this.segmentHashes.has(uri)) continue;
        const p = `/hls/${this.#stream}/${uri}`;
        const r = await this.#relay.get(p);
        this.statuses.push({ path: p, status: r.status, at: Date.now() });
        const bytes = Buffer.from(await r.arrayBuffer());
        if (r.status === 200) this.segmentHashes.set(uri, sha1(bytes));
      }
    } catch {
      // a refused connection while the server stops; statuses tell the rest
    } finally {
      this.#busy = false;
    }
  }

  /**
   * RFC 8216 across every playlist version seen: the media sequence and the
   * discontinuity sequence never go back, and a media sequence number always
   * names the same segment; plus everything the RFC 8216 validator found in
   * each version and between versions. Returns the problems found (empty when fine).
   */
  sequenceProblems(): string[] {
    const problems: string[] = [...this.#rfc.problems];
    const byMsn = new Map<number, string>();
    let prev: RelayPlaylist | undefined;
    for (const pl of this.playlists) {
      if (prev && pl.mediaSequence < prev.mediaSequence) problems.push(`media sequence went back ${prev.mediaSequence} -> ${pl.mediaSequence}`);
      if (prev && pl.discontinuitySequence < prev.discontinuitySequence) problems.push(`discontinuity sequence went back ${prev.discontinuitySequence} -> ${pl.discontinuitySequence}`);
      for (const s of pl.segments) {
        const known = byMsn.get(s.msn);
        if (known !== undefined && known !== s.uri) problems.push(`msn ${s.msn} named ${known}, later ${s.uri}`);
        byMsn.set(s.msn, s.uri);
      }
      prev = pl;
    }
    return problems;
  }
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}
