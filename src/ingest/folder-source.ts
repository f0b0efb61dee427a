import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { ErrorCode, SharecastError, errorSummary } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { fileSystemTypeOf, isNetworkFileSystem } from './network-mount.js';
import { resolveInside } from './safe-path.js';
import type { PlaylistSnapshot, Source, SourceListener, SourceState, SourceStatus } from './source.js';

export interface FolderSourceOptions {
  /** Absolute path to OBS's playlist, or to the folder it writes into. */
  path: string;
  logger: Logger;
  /** Poll instead of waiting for file events (network mounts). Detected by itself on CIFS/NFS. */
  poll: boolean;
  pollIntervalMs: number;
  /** Safety-net check interval while file events are used (ms). */
  safetyIntervalMs?: number;
}

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
  #status: SourceStatus = { state: 'starting', since: Date.now() };
  #last: { name: string; mtimeMs: number; size: number; ino: number; text: string } | undefined;
  #checking = false;
  #again = false;
  #polling = false;
  #closed = false;
  #realRoot: string | undefined;

  constructor(options: FolderSourceOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.description = options.path;
    if (options.path.toLowerCase().endsWith('.m3u8')) {
      this.#root = dirname(options.path);
      this.#fixedName = basename(options.path);
    } else {
      this.#root = options.path;
      this.#fixedName = null;
    }
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
    await this.#closeWatcher();
  }

  status(): SourceStatus {
    return this.#status;
  }

  async readSegment(uri: string): Promise<Uint8Array> {
    const playlistDir = '';
    const rel = resolveInside(playlistDir, uri);
    const full = join(this.#root, ...rel.split('/'));
    try {
      const real = await realpath(full);
      const root = this.#realRoot ?? (this.#realRoot = await realpath(this.#root));
      if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
        throw new SharecastError(ErrorCode.PathOutsideSource, `"${uri}" links to a file outside the source folder`);
      }
      const info = await stat(real);
      if (!info.isFile()) throw new SharecastError(ErrorCode.SourceUnavailable, `"${uri}" is not a file`);
      if (info.size > MAX_FILE_BYTES) throw new SharecastError(ErrorCode.SourceUnavailable, `"${uri}" is larger than ${MAX_FILE_BYTES} bytes`);
      const bytes = await readFile(real);
      if (bytes.byteLength < info.size) {
        throw new SharecastError(ErrorCode.SegmentIncomplete, `"${uri}" read ${bytes.byteLength} of ${info.size} bytes`);
      }
      return bytes;
    } catch (err) {
      if (err instanceof SharecastError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new SharecastError(ErrorCode.SourceUnavailable, code === 'ENOENT' ? `"${uri}" is listed but not in the folder` : `cannot read "${uri}": ${(err as Error).message}`, { cause: err });
    }
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
      this.#setStatus('ok');
      return;
    }
    let text: string;
    try {
      text = await readFile(join(this.#root, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // replaced while we looked; the next event brings it
      this.#setStatus('error', errorSummary(new SharecastError(ErrorCode.SourceUnavailable, `cannot read ${name}: ${(err as Error).message}`)));
      return;
    }
    const changed = !last || last.name !== name || last.text !== text;
    this.#last = { name, mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, text };
    this.#setStatus('ok');
    if (changed && !this.#closed) {
      const snapshot: PlaylistSnapshot = { text, name, observedAt: Date.now() };
      this.#listener?.onPlaylist(snapshot);
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
    let newest: { name: string; info: Stats } | undefined;
    for (const name of await readdir(this.#root)) {
      if (!name.toLowerCase().endsWith('.m3u8')) continue;
      const info = await stat(join(this.#root, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (!newest || info.mtimeMs > newest.info.mtimeMs) newest = { name, info };
    }
    return newest;
  }

  #openWatcher(): void {
    const watcher = watch(this.#root, {
      depth: 0,
      ignoreInitial: true,
      // Only playlists matter: segments are read when a playlist lists them.
      ignored: (path: string, stats?: Stats) => path !== this.#root && stats?.isDirectory() !== true && !path.toLowerCase().endsWith('.m3u8'),
    });
    watcher.on('all', () => this.#kick());
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
