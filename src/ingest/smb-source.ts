import { describeSourceSpec, type SmbSourceSpec } from '../config/source-spec.js';
import { ErrorCode, SharecastError, shown } from '../errors.js';
import { MAX_PLAYLIST_BYTES } from '../hls/parse-playlist.js';
import type { Logger } from '../log/logger.js';
import { resolveInside } from './safe-path.js';
import { checkWholeSegment } from './whole-segment.js';
import { ChangeWatcher } from './smb/change-watcher.js';
import type { SmbClient } from './smb/client.js';
import { NtStatus } from './smb/constants.js';
import { classifyFailure, segmentFailure } from './smb/classify-failure.js';
import { SmbStatusError } from './smb/errors.js';
import type { FileMeta } from './smb/file-messages.js';
import { fileTimeToMs, sameMeta } from './smb/file-meta.js';
import { ShareConnection } from './smb/share-connection.js';
import { SmbSourceStatus } from './smb/source-status.js';
import { startFollow, type RunningFollow } from './file-follower.js';
import { KIND_PROBE_BYTES, PlaylistKinds, sourceTarget } from './playlist-kinds.js';
import { smbFollowIo } from './smb/follow-io.js';
import type { GrowthListener, Source, SourceListener, SourceStatus } from './source.js';

export interface SmbSourceOptions {
  spec: SmbSourceSpec;
  logger: Logger;
  /** The poll tick (config pollInterval, default 250 ms). */
  pollIntervalMs: number;
  /** Deadline for each SMB request. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Reconnect backoff after a lost or failed connection: first delay and cap. Default 250 ms to 5 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * Delay before retrying what only a person can fix: a wrong password (and
   * lockout policies punish fast retries), an unknown share, no common
   * dialect. Default 30 s.
   */
  slowRetryMs?: number;
  /** SMB dialects to offer (tests pin one). Default: 2.0.2 to 3.1.1. */
  dialects?: readonly number[];
  /**
   * Also ask the server to tell us when a name in the playlist's folder
   * changes (CHANGE_NOTIFY), and poll at once when it does. The tick goes on
   * regardless; this only cuts the wait for it. Default true (config `poll`
   * turns it off).
   */
  changeNotify?: boolean;
  /** How often a segment being written is looked at for new bytes (ms); change notifications look at once. Default 50. */
  followIntervalMs?: number;
  /** A followed segment that neither appears nor grows for this long is given up (ms). Default 4000. */
  followIdleMs?: number;
}

/** Notifications never make ticks closer than this. */
const MIN_TICK_GAP_MS = 20;

/** A playlist this big is still read whole in the poll's one round trip. */
const POLL_READ_BYTES = 64 * 1024;
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

interface Seen {
  name: string;
  meta: FileMeta;
  text: string;
}

/**
 * OBS's HLS output read straight from an SMB share, without mounting it.
 *
 * One long-lived connection (SmbClient, ECHO keep-alive) is polled every tick
 * with one compound request: CREATE + READ + CLOSE of the playlist (or
 * CREATE + QUERY_DIRECTORY "*.m3u8" + CLOSE of its folder, then a read of the
 * newest playlist when it changed). Segments are read whole when the
 * republisher asks and checked against the size the server reports.
 *
 * Any failure becomes a status with a clear message, logged once, and the
 * time of the next try; the loop reconnects with capped backoff and never
 * throws out of a timer. A server whose compound responses do not verify is
 * read with separate requests from then on, on every later connection too.
 */
export class SmbSource implements Source {
  readonly kind = 'smb' as const;
  readonly description: string;
  readonly #o: SmbSourceOptions;
  readonly #log: Logger;
  /** The folder in the share that holds the playlist: nothing outside it is read. */
  readonly #root: string;
  /** The playlist's file name, or null to follow the newest .m3u8 in #root. */
  readonly #fixedName: string | null;
  #listener: SourceListener | undefined;
  readonly #status: SmbSourceStatus;
  readonly #watcher: ChangeWatcher;
  readonly #share: ShareConnection;
  #last: Seen | undefined;
  /** The media playlists of a master, polled beside the main one. */
  #watched: string[] = [];
  readonly #watchedSeen = new Map<string, Seen>();
  readonly #kinds = new PlaylistKinds();
  readonly #followers = new Set<RunningFollow>();
  #failures = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  /** A notification arrived: tick again as soon as the gap allows. */
  #again = false;
  #lastTickAt = 0;

  constructor(options: SmbSourceOptions) {
    this.#o = options;
    this.description = describeSourceSpec(options.spec);
    this.#log = options.logger.child({ source: this.description });
    this.#status = new SmbSourceStatus(this.#log, (s) => this.#listener?.onStatus(s));
    const path = options.spec.path.split('/').filter((p) => p !== '').join('/');
    ({ root: this.#root, fixedName: this.#fixedName } = sourceTarget(
      path,
      (p) => p.slice(0, Math.max(0, p.lastIndexOf('/'))),
      (p) => p.slice(p.lastIndexOf('/') + 1),
    ));
    this.#watcher = new ChangeWatcher({
      folder: this.#root,
      logger: this.#log,
      onChange: () => {
        this.#kick();
        for (const f of this.#followers) f.kick();
      },
    });
    this.#share = new ShareConnection({
      spec: options.spec,
      logger: this.#log,
      requestTimeoutMs: options.requestTimeoutMs,
      dialects: options.dialects,
      onDetail: (d) => this.#status.setDetail(d),
    });
  }

  async start(listener: SourceListener): Promise<void> {
    this.#listener = listener;
    const first = await this.#tickSafely();
    this.#loop = this.#run(first);
  }

  status(): SourceStatus {
    return this.#status.current;
  }

  watchPlaylists(names: readonly string[]): void {
    this.#watched = names.map((n) => resolveInside('', n));
    for (const n of this.#watchedSeen.keys()) if (!this.#watched.includes(n)) this.#watchedSeen.delete(n);
    this.#kick();
  }

  follow(uri: string, listener: GrowthListener): () => void {
    const path = this.#join(resolveInside('', uri));
    return startFollow(this.#followers, {
      io: smbFollowIo(() => this.#share.get(), path, `${path}.tmp`, this.#o.requestTimeoutMs),
      intervalMs: this.#o.followIntervalMs ?? 50,
      idleTimeoutMs: this.#o.followIdleMs ?? 4000,
      maxBytes: MAX_SEGMENT_BYTES,
      listener,
      mapGone: (e) => segmentFailure(uri, e),
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const f of this.#followers) f.close();
    this.#followers.clear();
    this.#wake?.();
    this.#watcher.stop();
    await this.#loop;
    await this.#share.close();
  }

  async readSegment(uri: string, signal?: AbortSignal): Promise<Uint8Array> {
    const rel = resolveInside('', uri);
    const path = this.#join(rel);
    const client = await this.#share.current();
    if (!client) {
      throw new SharecastError(ErrorCode.SourceUnavailable, `not connected to ${this.#o.spec.host}; "${uri}" cannot be read now`);
    }
    let data: Buffer;
    let meta: FileMeta;
    const at = Date.now();
    const opts = { signal, timeoutMs: this.#o.requestTimeoutMs };
    try {
      ({ data, meta } = await client.readFile(path, { ...opts, maxBytes: MAX_SEGMENT_BYTES }));
    } catch (err) {
      throw segmentFailure(uri, err);
    }
    if (meta.endOfFile > BigInt(MAX_SEGMENT_BYTES)) {
      throw new SharecastError(ErrorCode.SourceUnavailable, `"${shown(uri)}" is larger than ${MAX_SEGMENT_BYTES} bytes`);
    }
    // The one completeness check every source makes: whole container, the size read, and no write under way.
    const look = async () => {
      const m = await client.stat(path, opts).catch(() => undefined);
      return m && { size: Number(m.endOfFile), mtimeMs: fileTimeToMs(m.lastWriteTime), at: Date.now() };
    };
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return checkWholeSegment({ uri, bytes, first: { size: Number(meta.endOfFile), mtimeMs: fileTimeToMs(meta.lastWriteTime), at }, look });
  }

  #join(rel: string): string {
    return this.#root === '' ? rel : `${this.#root}/${rel}`;
  }

  async #run(firstDelay: number): Promise<void> {
    let delay = firstDelay;
    while (!this.#closed) {
      await this.#sleep(delay);
      if (this.#closed) return;
      const gap = MIN_TICK_GAP_MS - (Date.now() - this.#lastTickAt);
      if (gap > 0) await new Promise((r) => setTimeout(r, gap).unref());
      if (this.#closed) return;
      delay = await this.#tickSafely();
    }
  }

  /** One poll; returns how long to wait before the next. Never throws. */
  async #tickSafely(): Promise<number> {
    const started = Date.now();
    this.#lastTickAt = started;
    this.#again = false;
    try {
      await this.#tick();
      this.#failures = 0;
      return Math.max(0, this.#o.pollIntervalMs - (Date.now() - started));
    } catch (err) {
      return this.#onFailure(err);
    }
  }

  /** Sleeps `ms`, or less when a change notification arrives (#kick). */
  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#again) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Something in the folder changed: look now rather than at the next tick. */
  #kick(): void {
    this.#again = true;
    this.#wake?.();
  }

  async #tick(): Promise<void> {
    const client = await this.#share.get();
    const found = this.#fixedName !== null ? await this.#pollFile(client, this.#fixedName) : await this.#pollFolder(client);
    // The folder exists (a missing one threw): watch it for changes.
    if (this.#o.changeNotify !== false && !this.#closed) this.#watcher.watch(client);
    if (found === 'missing') return;
    const seen = await this.#readIfChanged(client, found, this.#last);
    this.#status.set('ok');
    if (seen) {
      this.#last = seen.seen;
      if (seen.changed && !this.#closed) this.#listener?.onPlaylist({ text: seen.seen.text, name: seen.seen.name, observedAt: Date.now() });
    }
    for (const name of this.#watched) {
      if (this.#closed) return;
      const polled = await this.#pollWatched(client, name);
      if (polled === 'missing') continue;
      const w = await this.#readIfChanged(client, polled, this.#watchedSeen.get(name));
      if (!w) continue;
      this.#watchedSeen.set(name, w.seen);
      if (w.changed && !this.#closed) this.#listener?.onPlaylist({ text: w.seen.text, name, observedAt: Date.now() });
    }
  }

  /** A playlist whose metadata changed since `last`, read whole (or undefined when unchanged, or replaced while read). */
  async #readIfChanged(client: SmbClient, found: { name: string; meta: FileMeta; data: Buffer | undefined }, last: Seen | undefined): Promise<{ seen: Seen; changed: boolean } | undefined> {
    const { name, meta } = found;
    if (last && last.name === name && sameMeta(last.meta, meta)) return undefined;
    if (meta.endOfFile > BigInt(MAX_PLAYLIST_BYTES)) {
      throw new SharecastError(ErrorCode.PlaylistInvalid, `${name} is larger than ${MAX_PLAYLIST_BYTES} bytes; that is no playlist`);
    }
    let data = found.data;
    if (!data || BigInt(data.length) < meta.endOfFile) {
      const r = await client.readFile(this.#join(name), { maxBytes: MAX_PLAYLIST_BYTES });
      data = r.data;
      if (r.meta.endOfFile !== BigInt(data.length)) return undefined; // replaced while read: the next tick sees the new one
      meta.endOfFile = r.meta.endOfFile;
    } else if (BigInt(data.length) !== meta.endOfFile) {
      return undefined;
    }
    const text = new TextDecoder('utf-8').decode(data);
    return { seen: { name, meta, text }, changed: !last || last.name !== name || last.text !== text };
  }

  /** A media playlist of a master: like the fixed playlist, but a missing one is only waited for. */
  async #pollWatched(client: SmbClient, name: string): Promise<{ name: string; meta: FileMeta; data: Buffer | undefined } | 'missing'> {
    try {
      const { meta, data } = await client.poll(this.#join(name), POLL_READ_BYTES);
      return meta.isDirectory ? 'missing' : { name, meta, data };
    } catch (err) {
      if (err instanceof SmbStatusError && (err.status === NtStatus.ObjectNameNotFound || err.status === NtStatus.NoSuchFile)) return 'missing';
      throw err;
    }
  }

  /** The fixed playlist: one compound CREATE + READ + CLOSE (or CREATE + CLOSE once it has grown big). */
  async #pollFile(client: SmbClient, name: string): Promise<{ name: string; meta: FileMeta; data: Buffer | undefined } | 'missing'> {
    const path = this.#join(name);
    try {
      if (this.#last && this.#last.meta.endOfFile > BigInt(POLL_READ_BYTES)) {
        const meta = await client.stat(path);
        return this.#fileOrMissing(name, meta, undefined);
      }
      const { meta, data } = await client.poll(path, POLL_READ_BYTES);
      return this.#fileOrMissing(name, meta, data);
    } catch (err) {
      // impacket (and some NAS firmware) says STATUS_NO_SUCH_FILE where Windows and Samba say OBJECT_NAME_NOT_FOUND.
      if (err instanceof SmbStatusError && (err.status === NtStatus.ObjectNameNotFound || err.status === NtStatus.NoSuchFile)) {
        this.#status.set('waiting', { code: ErrorCode.SourceUnavailable, message: `waiting for OBS to write ${name} in ${this.#where()}` });
        return 'missing';
      }
      if (err instanceof SmbStatusError && (err.status === NtStatus.ObjectPathNotFound || err.status === NtStatus.NotADirectory)) {
        throw new SharecastError(ErrorCode.SourceUnavailable, `folder ${this.#where()} does not exist`);
      }
      throw err;
    }
  }

  #fileOrMissing(name: string, meta: FileMeta, data: Buffer | undefined): { name: string; meta: FileMeta; data: Buffer | undefined } | 'missing' {
    if (meta.isDirectory) {
      this.#status.set('waiting', { code: ErrorCode.SourceUnavailable, message: `${name} in ${this.#where()} is a folder, not a playlist` });
      return 'missing';
    }
    return { name, meta, data };
  }

  /** A folder: list its playlists (one compound request) and follow the newest. */
  async #pollFolder(client: SmbClient): Promise<{ name: string; meta: FileMeta; data: Buffer | undefined } | 'missing'> {
    let entries;
    try {
      entries = await client.readdir(this.#root, '*.m3u8');
    } catch (err) {
      if (err instanceof SmbStatusError && [NtStatus.ObjectNameNotFound, NtStatus.ObjectPathNotFound, NtStatus.NotADirectory].includes(err.status as never)) {
        throw new SharecastError(ErrorCode.SourceUnavailable, `folder ${this.#where()} does not exist`);
      }
      throw err;
    }
    const playlists = entries.filter((e) => !e.isDirectory && e.name.toLowerCase().endsWith('.m3u8'));
    // The media playlists a master names are its renditions, not recordings of their own.
    const newest = await this.#kinds.newest(
      playlists,
      (e) => `${e.lastWriteTime}`,
      async (e) => {
        const r = await client.poll(this.#join(e.name), KIND_PROBE_BYTES).catch(() => undefined);
        return r?.data?.toString('utf8');
      },
      (a, b) => a.lastWriteTime > b.lastWriteTime || (a.lastWriteTime === b.lastWriteTime && a.name > b.name),
    );
    if (!newest) {
      this.#status.set('waiting', { code: ErrorCode.SourceUnavailable, message: `waiting for OBS to write a .m3u8 playlist in ${this.#where()}` });
      return 'missing';
    }
    const { name, ...meta } = newest;
    return { name, meta, data: undefined };
  }

  #where(): string {
    const { spec } = this.#o;
    return `\\\\${spec.host}\\${spec.share}${this.#root === '' ? '' : `\\${this.#root.replace(/\//g, '\\')}`}`;
  }

  #onFailure(err: unknown): number {
    const f = classifyFailure(err, { spec: this.#o.spec, where: this.#where() });
    this.#status.set(f.state, { code: f.code, message: f.message });
    if (f.reconnect) this.#share.drop();
    this.#failures++;
    const min = this.#o.reconnectMinMs ?? 250;
    const max = this.#o.reconnectMaxMs ?? 5000;
    const delay = f.slow ? (this.#o.slowRetryMs ?? 30_000) : Math.min(max, min * 2 ** Math.min(this.#failures - 1, 16));
    this.#status.retryAt(Date.now() + delay);
    return delay;
  }

}
