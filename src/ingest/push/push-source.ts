import { createHash } from 'node:crypto';
import { ErrorCode, SharecastError } from '../../errors.js';
import { isMasterPlaylist, masterPlaylistRefs } from '../../hls/parse-master.js';
import type { Logger } from '../../log/logger.js';
import { resolveInside } from '../safe-path.js';
import type { GrowthListener, PlaylistSnapshot, Source, SourceListener, SourceStatus } from '../source.js';
import { PushFiles } from './push-files.js';
import { listedUris, type PushPath } from './push-names.js';
import type { PushUpload } from './push-upload.js';

export interface PushSourceOptions {
  /** The stream's name: uploads come to /ingest/NAME/. */
  name: string;
  logger: Logger;
  /** Largest single upload, bytes. */
  maxFileBytes: number;
  /** All of this stream's uploads together, bytes. */
  maxBytes: number;
  /** --offline-after: another client may take over once the pusher has been silent for max(3 x target duration, this). */
  offlineAfterSeconds: number;
  /** A followed segment whose upload does not start within this long is given up (ms). Default 4000. */
  followIdleMs?: number;
  /** How long a read of a listed segment still being uploaded waits for its end (ms). Default 10000. */
  readWaitMs?: number;
  now?: () => number;
}

/** Who is pushing the stream, as the admin page shows it. */
export interface PusherInfo {
  address: string;
  /** When the last byte came (ms since the epoch). */
  lastSeen: number;
  uploading: number;
}

/** A pushed playlist: when its name first came and last changed, and the media playlists it names if a master. */
interface KnownPlaylist {
  firstAt: number;
  lastAt: number;
  digest: string;
  refs: string[] | null;
}

const WAITING_FOR_MASTER = 'waiting for master.m3u8: the dash muxer sends it when it starts, and again every master_m3u8_publish_rate segments';

/** Playlists remembered per stream (OBS may push under several names over time). */
const MAX_PLAYLISTS = 32;

/**
 * OBS's output pushed over HTTP (ffmpeg's hls or dash muxer with
 * method=PUT): the ingest handler (src/http/ingest-handler.ts) hands each
 * authenticated upload to `upload()`, and the stream reads it like any
 * source: a pushed playlist is a snapshot, a complete upload is readable,
 * and an upload in progress is followable (chunked CMAF becomes LL-HLS
 * parts as it arrives). Everything lives in memory (push-files.ts), bounded.
 *
 * The main playlist is the newest master pushed, else the media playlist
 * whose name came last (a name that is pushed again does not take over, so
 * two renditions without their master never take turns); once a DASH
 * manifest came, only a master (the dash muxer's master.m3u8) is. One client address
 * pushes at a time: another gets PushBusy until the first has been silent
 * for the offline timeout.
 */
export class PushSource implements Source {
  readonly kind = 'push' as const;
  readonly description: string;
  readonly name: string;
  readonly #o: PushSourceOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #files: PushFiles;
  readonly #playlists = new Map<string, KnownPlaylist>();
  #listener: SourceListener | undefined;
  #status: SourceStatus;
  #main: string | undefined;
  #watched: readonly string[] = [];
  #pusher: { address: string; lastSeen: number } | undefined;
  #targetDuration = 0;
  /** A DASH manifest came: the dash muxer's HLS playlists are renditions of its master.m3u8, never the main playlist. */
  #dash = false;
  /** The init sections (EXT-X-MAP) the current playlists name. */
  #inits: ReadonlySet<string> = new Set();
  #closed = false;

  constructor(o: PushSourceOptions) {
    this.#o = o;
    this.name = o.name;
    this.#log = o.logger;
    this.#now = o.now ?? Date.now;
    this.description = `push (uploads to /ingest/${o.name}/)`;
    this.#files = new PushFiles({
      maxFileBytes: o.maxFileBytes,
      maxBytes: o.maxBytes,
      now: this.#now,
      onBytes: (u) => {
        if (this.#pusher?.address === u.client) this.#pusher.lastSeen = this.#now();
      },
      onStored: (path, kind, bytes) => {
        if (kind === 'playlist') this.#onPlaylistUploaded(path, bytes);
        else if (kind === 'manifest' && !this.#dash) {
          this.#dash = true;
          this.#choose();
        }
      },
    });
    this.#status = { state: 'starting', since: this.#now() };
  }

  async start(listener: SourceListener): Promise<void> {
    this.#listener = listener;
    this.#setStatus({ state: 'waiting', since: this.#now(), error: { code: ErrorCode.SourceUnavailable, message: `waiting for OBS to push a playlist to /ingest/${this.name}/` } });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#files.clear(new SharecastError(ErrorCode.SourceUnavailable, 'sharecast is stopping'));
  }

  status(): SourceStatus {
    return this.#status;
  }

  /** Bytes held for this stream (complete uploads and uploads in progress). */
  get bytesHeld(): number {
    return this.#files.used;
  }

  /** The client pushing now (or last), or undefined before any upload. */
  pusher(): PusherInfo | undefined {
    return this.#pusher && { ...this.#pusher, uploading: this.#files.uploads().length };
  }

  // ---- the ingest side (HTTP) ----

  /**
   * Starts an upload of `file` from `client`. Throws PushBusy when another
   * client pushes this stream, PushTooLarge / PushMemoryFull when it cannot
   * fit. The caller writes the body into the upload as it arrives, then
   * completes it once the body was whole, or aborts it.
   */
  upload(file: PushPath, client: string, declaredLength: number | undefined): PushUpload {
    if (this.#closed) throw new SharecastError(ErrorCode.SourceUnavailable, 'sharecast is stopping');
    this.#claim(client);
    return this.#files.begin(file.path, file.kind, client, declaredLength);
  }

  /** DELETE of a file (ffmpeg's delete_segments). True when there was such a file. */
  remove(file: PushPath, client: string): boolean {
    this.#claim(client);
    const had = this.#files.remove(file.path);
    if (file.kind === 'playlist' && this.#playlists.delete(file.path)) this.#choose();
    return had;
  }

  // ---- the stream side ----

  watchPlaylists(names: readonly string[]): void {
    const before = new Set(this.#watched);
    this.#watched = names.map((n) => resolveInside('', n));
    // A rendition named for the first time is reported at once if it was pushed already.
    const fresh = this.#watched.filter((n) => !before.has(n) && n !== this.#main);
    if (fresh.length > 0) queueMicrotask(() => fresh.forEach((n) => this.#report(n)));
    this.#updateListed();
  }

  async readSegment(uri: string): Promise<Uint8Array> {
    const path = resolveInside('', uri);
    const now = this.#files.get(path, true);
    if (now) return now;
    const upload = this.#files.uploading(path);
    if (!upload) {
      // ffmpeg sends an init section once, when it starts: one pushed before sharecast started is gone for good.
      const why = this.#inits.has(path) ? 'is the init section, which ffmpeg sends only when it starts: stop and start the stream in OBS' : 'is listed but was never pushed (or was deleted)';
      throw new SharecastError(ErrorCode.SourceUnavailable, `"${path}" ${why}`);
    }
    // Listed while it is still coming: wait for its end, never for longer than readWaitMs.
    const limit = this.#o.readWaitMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SharecastError(ErrorCode.SegmentIncomplete, `"${path}" was still being pushed after ${limit} ms`)), limit);
    });
    try {
      await Promise.race([upload.done, timeout]);
    } catch (err) {
      if (err instanceof SharecastError && err.code === ErrorCode.SegmentIncomplete) throw err;
      throw new SharecastError(ErrorCode.SegmentIncomplete, `the upload of "${path}" broke off: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return this.#files.get(path, true) ?? (await upload.done);
  }

  follow(uri: string, listener: GrowthListener): () => void {
    return this.#files.follow(resolveInside('', uri), listener, this.#o.followIdleMs ?? 4000);
  }

  // ---- inside ----

  /** One client pushes at a time; another takes over once it has been silent for the offline timeout. */
  #claim(client: string): void {
    const now = this.#now();
    const p = this.#pusher;
    if (p && p.address === client) {
      p.lastSeen = now;
      return;
    }
    const quietMs = Math.max(this.#o.offlineAfterSeconds, 3 * this.#targetDuration) * 1000;
    if (p && now - p.lastSeen < quietMs) {
      throw new SharecastError(
        ErrorCode.PushBusy,
        `stream "${this.name}" is being pushed from another address; it can take over once that has been silent for ${Math.ceil(quietMs / 1000)} s`,
      );
    }
    if (p) {
      this.#log.info({ from: client, before: p.address }, `push stream "${this.name}": ${client} takes over from ${p.address}, silent for ${Math.round((now - p.lastSeen) / 1000)} s`);
      for (const u of this.#files.uploads()) u.abort(new SharecastError(ErrorCode.SegmentIncomplete, 'another client took over the stream'));
    } else {
      this.#log.info({ from: client }, `push stream "${this.name}": first upload, from ${client}`);
    }
    this.#pusher = { address: client, lastSeen: now };
  }

  #onPlaylistUploaded(path: string, bytes: Buffer): void {
    if (this.#closed) return;
    const text = bytes.toString('utf8');
    const digest = createHash('sha1').update(bytes).digest('base64url');
    const now = this.#now();
    const known = this.#playlists.get(path);
    if (known?.digest === digest) return;
    const td = /^#EXT-X-TARGETDURATION:(\d+)/m.exec(text);
    if (td) this.#targetDuration = Number(td[1]);
    const refs = isMasterPlaylist(text) ? masterPlaylistRefs(text).map((r) => safeJoin(path, r)).filter((r): r is string => r !== undefined) : null;
    this.#playlists.set(path, { firstAt: known?.firstAt ?? now, lastAt: now, digest, refs });
    this.#forgetOldPlaylists();
    const mainBefore = this.#main;
    this.#choose();
    if (this.#main !== undefined && this.#status.state !== 'ok') this.#setStatus({ state: 'ok', since: now });
    // The main playlist is reported when it changed or when it became the main one; a rendition when it changed.
    if (path === this.#main || this.#watched.includes(path)) this.#report(path);
    else if (mainBefore !== this.#main && this.#main !== undefined) this.#report(this.#main);
    this.#updateListed();
  }

  #report(path: string): void {
    const bytes = this.#files.get(path);
    if (!bytes || this.#closed) return;
    const snapshot: PlaylistSnapshot = { text: bytes.toString('utf8'), name: path, observedAt: this.#now() };
    this.#listener?.onPlaylist(snapshot);
  }

  /** The main playlist: the newest master no other master names, else the media playlist whose name came last. */
  #choose(): void {
    const named = new Set<string>();
    for (const p of this.#playlists.values()) for (const r of p.refs ?? []) named.add(r);
    let best: [string, KnownPlaylist] | undefined;
    for (const entry of this.#playlists) {
      const [path, p] = entry;
      if (named.has(path) || (this.#dash && p.refs === null)) continue;
      if (!best) {
        best = entry;
        continue;
      }
      const [, b] = best;
      const masterNow = p.refs !== null;
      const masterBest = b.refs !== null;
      if (masterNow !== masterBest ? masterNow : masterNow ? p.lastAt >= b.lastAt : p.firstAt >= b.firstAt) best = entry;
    }
    const main = best?.[0];
    if (main !== this.#main && main !== undefined) this.#log.info({ playlist: main }, `push stream "${this.name}": relaying ${main}`);
    this.#main = main;
    if (main === undefined && this.#dash && this.#status.error?.message !== WAITING_FOR_MASTER) {
      this.#setStatus({ state: 'waiting', since: this.#now(), error: { code: ErrorCode.SourceUnavailable, message: WAITING_FOR_MASTER } });
    }
  }

  #forgetOldPlaylists(): void {
    if (this.#playlists.size <= MAX_PLAYLISTS) return;
    const keep = new Set([this.#main, ...this.#watched]);
    const oldest = [...this.#playlists.entries()].filter(([path]) => !keep.has(path)).sort(([, a], [, b]) => a.lastAt - b.lastAt);
    for (const [path] of oldest.slice(0, this.#playlists.size - MAX_PLAYLISTS)) {
      this.#playlists.delete(path);
      this.#files.remove(path);
    }
  }

  /** Tells the file table what the current playlists list, so what they no longer list can go. */
  #updateListed(): void {
    const listed = new Set<string>();
    const inits = new Set<string>();
    for (const path of new Set([this.#main, ...this.#watched])) {
      if (path === undefined) continue;
      const text = this.#files.get(path)?.toString('utf8');
      if (text === undefined || isMasterPlaylist(text)) continue;
      for (const uri of listedUris(text)) {
        const p = safeJoin(path, uri);
        if (p !== undefined) listed.add(p);
      }
      for (const m of text.matchAll(/^#EXT-X-MAP:.*?URI="([^"]+)"/gm)) {
        const p = safeJoin(path, m[1] as string);
        if (p !== undefined) inits.add(p);
      }
    }
    this.#inits = inits;
    this.#files.setListed(listed, inits);
  }

  #setStatus(s: SourceStatus): void {
    this.#status = s;
    this.#listener?.onStatus(s);
  }
}

/** A URI from the playlist at `playlistPath`, as a path below the stream's root; undefined when it leaves it. */
function safeJoin(playlistPath: string, uri: string): string | undefined {
  const dir = playlistPath.includes('/') ? playlistPath.slice(0, playlistPath.lastIndexOf('/')) : '';
  try {
    return resolveInside(dir, uri);
  } catch {
    return undefined;
  }
}
