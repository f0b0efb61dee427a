import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { tempFileTarget, writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

/**
 * The map of the data dir (--data): every folder and file sharecast keeps
 * there is named here and nowhere else, with the mode it is written with.
 * docs/data-dir.md describes each for people.
 */

/** Every folder, relative to the data dir ('' is the data dir itself). */
export const DATA_FOLDERS = {
  root: '',
  chat: 'chat',
  streams: 'streams',
  /** Push ingest: one stream key per stream, `push-keys/NAME` (folder 0700, files 0600, like the admin token). */
  pushKeys: 'push-keys',
  // Named now for features to come, so that nothing else takes these names:
  /** An uploaded offline slate and the media files derived from it. */
  offlineSlate: 'offline-slate',
} as const;

/** Every file with a fixed name, relative to the data dir. */
export const DATA_FILES = {
  /** The generated admin token. */
  adminToken: { path: 'admin-token', mode: 0o600 },
  /** The title set through the admin API. */
  title: { path: 'title.json', mode: 0o644 },
  /** The offline image uploaded through the admin API. */
  offlineImage: { path: 'offline-image', mode: 0o644 },
  /** The chat's append-only log of messages and hides. */
  chatHistory: { path: `${DATA_FOLDERS.chat}/history.jsonl`, mode: 0o600 },
  chatBans: { path: `${DATA_FOLDERS.chat}/bans.json`, mode: 0o600 },
  chatNames: { path: `${DATA_FOLDERS.chat}/names.json`, mode: 0o600 },
  /** The chat on/off switch. */
  chatSettings: { path: `${DATA_FOLDERS.chat}/settings.json`, mode: 0o600 },
  /** The key that signs viewer tokens and hashes player ids. */
  chatSecret: { path: `${DATA_FOLDERS.chat}/secret`, mode: 0o600 },
} as const;

export type DataFileName = keyof typeof DATA_FILES;

/** What a stream keeps: `streams/NAME.json` (its sequence numbers). */
const STREAM_STATE = { folder: DATA_FOLDERS.streams, suffix: '.json', mode: 0o644 } as const;

/** A push stream's key: `push-keys/NAME`. */
const PUSH_KEY = { folderMode: 0o700, mode: 0o600 } as const;

/** A stream name, or NAME~N for the other renditions of a stream relayed from a master playlist. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(~\d{1,3})?$/;

/** One file in the data dir: where it is, its mode, and the one way it is replaced (atomic, fsync'd). */
export class DataFile {
  readonly path: string;
  readonly mode: number;

  constructor(path: string, mode: number) {
    this.path = path;
    this.mode = mode;
  }

  write(data: string | Uint8Array): Promise<void> {
    return writeFileAtomic(this.path, data, this.mode);
  }

  writeSync(data: string | Uint8Array): void {
    writeFileAtomicSync(this.path, data, this.mode);
  }

  /** The content, or undefined when there is no such file. Other errors throw. */
  async read(): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readText(): Promise<string | undefined> {
    return (await this.read())?.toString('utf8');
  }

  readTextSync(): string | undefined {
    try {
      return readFileSync(this.path, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Removes the file; nothing happens when it is not there. */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

export class DataDir {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  file(name: DataFileName): DataFile {
    const spec = DATA_FILES[name];
    return new DataFile(join(this.root, spec.path), spec.mode);
  }

  folder(name: keyof typeof DATA_FOLDERS): string {
    return join(this.root, DATA_FOLDERS[name]);
  }

  /** `streams/NAME.json`. Stream names are checked by the config; anything else is refused here too. */
  streamState(stream: string): DataFile {
    if (!SAFE_NAME.test(stream)) throw new SharecastError(ErrorCode.Internal, `not a stream name: ${JSON.stringify(stream)}`);
    return new DataFile(join(this.root, STREAM_STATE.folder, `${stream}${STREAM_STATE.suffix}`), STREAM_STATE.mode);
  }

  /** `push-keys/NAME`, a push stream's key (0600), in a folder only sharecast's user may open (made 0700 here). */
  async pushKey(stream: string): Promise<DataFile> {
    if (!SAFE_NAME.test(stream) || stream.includes('~')) throw new SharecastError(ErrorCode.Internal, `not a stream name: ${JSON.stringify(stream)}`);
    const dir = this.folder('pushKeys');
    await mkdir(dir, { recursive: true, mode: PUSH_KEY.folderMode });
    await chmod(dir, PUSH_KEY.folderMode);
    return new DataFile(join(dir, stream), PUSH_KEY.mode);
  }

  /**
   * Run once at start, before anything writes: creates the data dir and
   * removes temp files that a write interrupted by a crash left behind (one
   * sharecast per data dir, so none of them is still being written).
   * Resolves with the paths removed.
   */
  async prepare(logger: Logger): Promise<string[]> {
    await mkdir(this.root, { recursive: true });
    const removed: string[] = [];
    for (const folder of Object.values(DATA_FOLDERS)) {
      const dir = join(this.root, folder);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      for (const name of names) {
        if (!isStaleTemp(folder, name)) continue;
        const path = join(dir, name);
        try {
          await unlink(path);
          removed.push(path);
        } catch (err) {
          if (!isMissing(err)) logger.warn({ path, err: (err as Error).message }, `cannot remove the stale temp file ${path}`);
        }
      }
    }
    if (removed.length > 0) logger.info({ removed }, `data dir: removed ${removed.length} temp file(s) left by an interrupted write`);
    return removed;
  }
}

/** Temp files of the atomic write, and the temp names earlier versions used (offline image, stream state). */
function isStaleTemp(folder: string, name: string): boolean {
  if (tempFileTarget(name) !== undefined) return true;
  if (folder === DATA_FOLDERS.root) return /^offline-image\.[0-9a-f]+\.tmp$/.test(name);
  if (folder === DATA_FOLDERS.streams) return /^[A-Za-z0-9][A-Za-z0-9_-]*\.json\.tmp$/.test(name);
  return false;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
