import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { ErrorCode, SharecastError, errorSummary, shown } from '../errors.js';
import { MAX_PLAYLIST_BYTES } from '../hls/parse-playlist.js';
import type { Logger } from '../log/logger.js';
import { readFileUpTo, readHandleUpTo } from './bounded-read.js';
import { startFollow, type RunningFollow } from './file-follower.js';
import { fsFollowIo } from './fs-follow-io.js';
import { fileSystemTypeOf, isNetworkFileSystem } from './network-mount.js';
import { KIND_PROBE_BYTES, PlaylistKinds, sourceTarget } from './playlist-kinds.js';
import { resolveInside } from './safe-path.js';
import type { GrowthListener, PlaylistSnapshot, Source, SourceListener, SourceState, SourceStatus } from './source.js';
import { DEFAULT_SETTLE, checkWholeSegment, type FileLook, type SettleOptions } from './whole-segment.js';

export interface FolderSourceOptions {
  /** Absolute path to OBS's playlist, or to the folder it writes into. */
  path: string;
  logger: Logger;
  /** Poll instead of waiting for file events (network mounts). Detected by itself on CIFS/NFS. */
  poll: boolean;
  pollIntervalMs: number;
  /** Safety-net check interval while file events are used (ms). */
  safetyIntervalMs?: number;
  /** How often a segment being written is looked at for new bytes (ms); file events look at once. Default 20. */
  followIntervalMs?: number;
  /** A followed segment that neither appears nor grows for this long is given up (ms). Default 4000. */
  followIdleMs?: number;
  /** When a segment written just now counts as whole (see checkWholeSegment). Default DEFAULT_SETTLE. */
  settle?: SettleOptions;
}

/** How a playlist's text is checked again: by its stat, then its bytes. */
interface Seen {
  name: string;
  mtimeMs: number;
  size: number;
  ino: number;
  /** The text passed on ('' when it was refused). */
  text: string;
  /** Why this version was refused (too large), if it was. */
  problem?: { code: ErrorCode; message: string };
}

/** Segment files that can grow while followed: fMP4 media and their temp names. */
const GROWING_FILE = /\.(m4s|mp4|cmfv|cmfa)(\.tmp)?$/i;

/**
 * chokidar passes on at most one 'change' per file per 50 ms and drops the
 * rest, so the source looks once more this long after the last playlist event:
 * ffmpeg's dash muxer rewrites every media playlist once per stream at a
 * segment's end, tens of milliseconds apart, and the version that lists the
 * new segment is often the dropped one.
 */
const AFTER_EVENT_LOOK_MS = 60;

/** Biggest file read as a playlist or segment (a 4K segment of 10 s is ~30 MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * OBS's HLS output in a local folder (or a mounted share). Watches the folder
 * with chokidar and checks the playlist's stat on every event, plus a slow
 * safety-net timer (events can be lost, and a folder that is removed and made
 * again needs a new watcher). With polling, the timer alone runs, at the poll
 * interval: one stat per tick.
 *
 * If the path is a folder (or has no .m3u8 ending), the newest .m3u8 in it is
 * followed: OBS's "Output to File" names each recording by its start time.
 */
export class FolderSource implements Source {
  readonly kind = 'folder' as const;
  readonly description: string;
  readonly #o: FolderSourceOptions;
  readonly #log: Logger;
  /** Folder that is the source's root: nothing outside it is read. */
  readonly #root: string;
  /** Fixed playlist file name, or null to follow the newest .m3u8 in the folder. */
  readonly #fixedName: string | null;
  #listener: SourceListener | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #afterEvent: NodeJS.Timeout | undefined;
  #status: SourceStatus = { state: 'starting', since: Date.now() };
  #last: Seen | undefined;
  /** The media playlists of a master, followed beside the main playlist. */
  #watched: string[] = [];
  readonly #watchedSeen = new Map<string, Seen>();
  /** Which playlists are masters, and the renditions they name. */
  readonly #kinds = new PlaylistKinds();
  readonly #followers = new Set<RunningFollow>();
  #checking = false;
  #again = false;
  #polling = false;
  #closed = false;
  #realRoot: string | undefined;

  constructor(options: FolderSourceOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.description = options.path;
    ({ root: this.#root, fixedName: this.#fixedName } = sourceTarget(options.path, dirname, basename));
  }

  async start(listener: SourceListener): Promise<void> {
    this.#listener = listener;
    const fsType = await fileSystemTypeOf(await realpath(this.#root).catch(() => this.#root));
    this.#polling = this.#o.poll || isNetworkFileSystem(fsType);
    if (this.#polling && !this.#o.poll) {
      this.#log.info({ folder: this.#root, fsType }, 'network file system: polling for changes instead of waiting for file events');
    }
    const interval = this.#polling ? this.#o.pollIntervalMs : (this.#o.safetyIntervalMs ?? 1000);
    this.#timer = setInterval(() => this.#kick(), interval);
    this.#timer.unref();
    await this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    clearTimeout(this.#afterEvent);
    for (const f of this.#followers) f.close();
    this.#followers.clear();
    await this.#closeWatcher();
  }

  watchPlaylists(names: readonly string[]): void {
    this.#watched = names.map((n) => resolveInside('', n));
    for (const n of this.#watchedSeen.keys()) if (!this.#watched.includes(n)) this.#watchedSeen.delete(n);
    this.#kick();
  }

  follow(uri: string, listener: GrowthListener): () => void {
    const finalPath = join(this.#root, ...resolveInside('', uri).split('/'));
    return startFollow(this.#followers, {
      io: fsFollowIo(finalPath, `${finalPath}.tmp`, async (path) => void (await this.#checkInside(path, uri))),
      intervalMs: this.#o.followIntervalMs ?? 20,
      idleTimeoutMs: this.#o.followIdleMs ?? 4000,
      maxBytes: MAX_FILE_BYTES,
      listener,
    });
  }

  status(): SourceStatus {
    return this.#status;
  }

  /**
   * Reads a listed segment or init section, and hands it on only when it is
   * the whole file (checkWholeSegment: container, size across the read, and
   * two looks when it was written just now). A file still being written, cut
   * short or empty is a SegmentIncomplete, which the republisher retries.
   */
  async readSegment(uri: string): Promise<Uint8Array> {
    const playlistDir = '';
    const rel = resolveInside(playlistDir, uri);
    const full = join(this.#root, ...rel.split('/'));
    let handle: FileHandle | undefined;
    try {
      const real = await this.#checkInside(full, uri);
      // A stat before the open: opening a FIFO the playlist names would wait for a writer forever.
      if (!(await stat(real)).isFile()) throw new SharecastError(ErrorCode.SourceUnavailable, `"${shown(uri)}" is not a file`);
      handle = await open(real, 'r');
      const h = handle;
      const look = async (): Promise<FileLook> => {
        const info = await h.stat();
        if (!info.isFile()) throw new SharecastError(ErrorCode.SourceUnavailable, `"${shown(uri)}" is not a file`);
        return { size: info.size, mtimeMs: info.mtimeMs, at: Date.now() };
      };
      const first = await look();
      if (first.size > MAX_FILE_BYTES) throw new SharecastError(ErrorCode.SourceUnavailable, `"${shown(uri)}" is larger than ${MAX_FILE_BYTES} bytes`);
      const read = await readHandleUpTo(h, MAX_FILE_BYTES, first.size);
      if (read.tooLarge) throw new SharecastError(ErrorCode.SegmentIncomplete, `"${shown(uri)}" grew past ${MAX_FILE_BYTES} bytes while it was read`);
      return await checkWholeSegment({ uri, bytes: read.bytes, first, look, settle: this.#o.settle ?? DEFAULT_SETTLE });
    } catch (err) {
      if (err instanceof SharecastError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new SharecastError(ErrorCode.SourceUnavailable, code === 'ENOENT' ? `"${shown(uri)}" is listed but not in the folder` : `cannot read "${shown(uri)}": ${(err as Error).message}`, { cause: err });
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** The real path of `path`, if it lies inside the source folder (a symlink may lead out); else PathOutsideSource. */
  async #checkInside(path: string, uri: string): Promise<string> {
    const real = await realpath(path);
    const root = this.#realRoot ?? (this.#realRoot = await realpath(this.#root));
    if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw new SharecastError(ErrorCode.PathOutsideSource, `"${shown(uri)}" links to a file outside the source folder`);
    }
    return real;
  }

  /** Runs a check now, or right after the one under way. */
  #kick(): void {
    if (this.#closed) return;
    if (this.#checking) {
      this.#again = true;
      return;
    }
    void this.#check();
  }

  async #check(): Promise<void> {
    this.#checking = true;
    try {
      do {
        this.#again = false;
        await this.#checkOnce();
      } while (this.#again && !this.#closed);
    } finally {
      this.#checking = false;
    }
  }

  async #checkOnce(): Promise<void> {
    let folder: Stats;
    try {
      folder = await stat(this.#root);
      if (!folder.isDirectory()) throw new SharecastError(ErrorCode.SourceUnavailable, `${this.#root} is not a folder`);
    } catch (err) {
      await this.#closeWatcher();
      this.#realRoot = undefined;
      const e = err instanceof SharecastError ? err : new SharecastError(ErrorCode.SourceUnavailable, `folder ${this.#root} is not reachable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      this.#setStatus('error', errorSummary(e));
      return;
    }
    if (!this.#polling && this.#watcher === undefined && !this.#closed) this.#openWatcher();

    let found: { name: string; info: Stats } | undefined;
    try {
      found = await this.#findPlaylist();
    } catch (err) {
      this.#setStatus('error', errorSummary(new SharecastError(ErrorCode.SourceUnavailable, `cannot list ${this.#root}: ${(err as Error).message}`)));
      return;
    }
    if (found === undefined) {
      const what = this.#fixedName ?? 'a .m3u8 playlist';
      this.#setStatus('waiting', { code: ErrorCode.SourceUnavailable, message: `waiting for OBS to write ${what} in ${this.#root}` });
      return;
    }
    const { name, info } = found;
    const last = this.#last;
    if (last && last.name === name && last.mtimeMs === info.mtimeMs && last.size === info.size && last.ino === info.ino) {
      this.#setStatus(last.problem ? 'error' : 'ok', last.problem);
      await this.#checkWatched();
      return;
    }
    let read: { text: string } | { problem: { code: ErrorCode; message: string } };
    try {
      read = await readPlaylistText(join(this.#root, name), name, info.size);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // replaced while we looked; the next event brings it
      this.#setStatus('error', errorSummary(new SharecastError(ErrorCode.SourceUnavailable, `cannot read ${name}: ${(err as Error).message}`)));
      return;
    }
    const seen = { name, mtimeMs: info.mtimeMs, size: info.size, ino: info.ino };
    if ('problem' in read) {
      // Not kept, not passed on: the next version of the file is looked at again.
      this.#last = { ...seen, text: '', problem: read.problem };
      this.#setStatus('error', read.problem);
      return;
    }
    const { text } = read;
    const changed = !last || last.name !== name || last.problem !== undefined || last.text !== text;
    this.#last = { ...seen, text };
    this.#setStatus('ok');
    if (changed && !this.#closed) {
      const snapshot: PlaylistSnapshot = { text, name, observedAt: Date.now() };
      this.#listener?.onPlaylist(snapshot);
    }
    await this.#checkWatched();
  }

  /** The media playlists of a master: each reported when its text changes. A missing one is waited for. */
  async #checkWatched(): Promise<void> {
    for (const name of this.#watched) {
      if (this.#closed) return;
      const path = join(this.#root, ...name.split('/'));
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const seen = this.#watchedSeen.get(name);
      if (seen && seen.mtimeMs === info.mtimeMs && seen.size === info.size && seen.ino === info.ino) continue;
      const read = await readPlaylistText(path, name, info.size).catch(() => undefined);
      if (read === undefined) continue;
      if ('problem' in read) {
        this.#watchedSeen.set(name, { name, mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, text: '', problem: read.problem });
        this.#log.warn({ code: read.problem.code, file: name }, read.problem.message);
        continue;
      }
      this.#watchedSeen.set(name, { name, mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, text: read.text });
      if ((seen?.problem !== undefined || seen?.text !== read.text) && !this.#closed) this.#listener?.onPlaylist({ text: read.text, name, observedAt: Date.now() });
    }
  }

  async #findPlaylist(): Promise<{ name: string; info: Stats } | undefined> {
    if (this.#fixedName !== null) {
      try {
        const info = await stat(join(this.#root, this.#fixedName));
        return info.isFile() ? { name: this.#fixedName, info } : undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    }
    const found: Array<{ name: string; info: Stats }> = [];
    for (const name of await readdir(this.#root)) {
      if (!name.toLowerCase().endsWith('.m3u8')) continue;
      const info = await stat(join(this.#root, name)).catch(() => undefined);
      if (info?.isFile()) found.push({ name, info });
    }
    return this.#kinds.newest(
      found,
      (f) => `${f.info.mtimeMs}`,
      (f) => readHead(join(this.#root, f.name)),
      (a, b) => a.info.mtimeMs > b.info.mtimeMs,
    );
  }

  #openWatcher(): void {
    const watcher = watch(this.#root, {
      depth: 0,
      ignoreInitial: true,
      // Playlists matter, and segments only while one is followed as it grows (LL-HLS): the others are read when a playlist lists them.
      ignored: (path: string, stats?: Stats) =>
        path !== this.#root && stats?.isDirectory() !== true && !path.toLowerCase().endsWith('.m3u8') && (this.#followers.size === 0 || !GROWING_FILE.test(path)),
    });
    watcher.on('all', (_event, path: string) => {
      if (path.toLowerCase().endsWith('.m3u8') || path === this.#root) {
        this.#kick();
        clearTimeout(this.#afterEvent);
        this.#afterEvent = setTimeout(() => this.#kick(), AFTER_EVENT_LOOK_MS);
        this.#afterEvent.unref();
      } else for (const f of this.#followers) f.kick();
    });
    watcher.on('error', (err) => {
      this.#log.debug({ err }, 'file watcher error; the safety-net check keeps going');
      void this.#closeWatcher();
    });
    this.#watcher = watcher;
  }

  async #closeWatcher(): Promise<void> {
    const w = this.#watcher;
    this.#watcher = undefined;
    if (w) await w.close().catch(() => undefined);
  }

  #setStatus(state: SourceState, error?: { code: ErrorCode; message: string }): void {
    const prev = this.#status;
    if (prev.state === state && prev.error?.message === error?.message) return;
    this.#status = { state, since: Date.now(), ...(error ? { error } : {}) };
    if (state === 'error') this.#log.warn({ code: error?.code }, error?.message ?? 'source error');
    else if (prev.state === 'error') this.#log.info({ folder: this.#root }, 'source folder is back');
    this.#listener?.onStatus(this.#status);
  }
}

/** The first bytes of a file as text, or undefined when it cannot be read. */
async function readHead(path: string): Promise<string | undefined> {
  try {
    const h = await open(path, 'r');
    try {
      const buf = Buffer.alloc(KIND_PROBE_BYTES);
      const { bytesRead } = await h.read(buf, 0, KIND_PROBE_BYTES, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await h.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * A playlist's text, read with a bound: a file over MAX_PLAYLIST_BYTES (by
 * its stat, or by what a read finds when it grew meanwhile) is refused
 * without reading more than the limit, and its text is never kept.
 */
async function readPlaylistText(path: string, name: string, statSize: number): Promise<{ text: string } | { problem: { code: ErrorCode; message: string } }> {
  const tooLarge = (size: string) => ({
    problem: { code: ErrorCode.PlaylistInvalid, message: `${shown(name)} is ${size}, more than the ${MAX_PLAYLIST_BYTES} bytes a playlist may have: not read` },
  });
  if (statSize > MAX_PLAYLIST_BYTES) return tooLarge(`${statSize} bytes`);
  const read = await readFileUpTo(path, MAX_PLAYLIST_BYTES);
  if (read.tooLarge) return tooLarge('still growing');
  return { text: read.bytes.toString('utf8') };
}
