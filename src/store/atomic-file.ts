import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The one way sharecast replaces a file in the data dir, so that a crash or
 * a power cut leaves either the old or the new content: write a temp file
 * beside it, fsync it, rename it over, fsync the folder. The async variant
 * is for request and chat paths; the sync one for callers whose API is
 * synchronous. Both fsync.
 */

/** Temp files are hidden and end in ".tmp": `.NAME.PID.RANDOM.tmp` (earlier versions put a base-36 time where RANDOM is). */
const TEMP_NAME = /^\.(.+)\.\d+\.[0-9a-z]+\.tmp$/;

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The file a temp file of writeFileAtomic was for, or undefined when `name` is not one. */
export function tempFileTarget(name: string): string | undefined {
  return TEMP_NAME.exec(name)?.[1];
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fh = await open(tmp, 'w', mode);
  let ok = false;
  try {
    await fh.writeFile(data);
    await fh.sync();
    ok = true;
  } finally {
    await fh.close().catch(() => {});
    if (!ok) await unlink(tmp).catch(() => {});
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dirname(path));
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w', mode);
  let ok = false;
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.byteLength; ) off += writeSync(fd, buf, off);
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) ignore(() => unlinkSync(tmp));
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    ignore(() => unlinkSync(tmp));
    throw err;
  }
  syncDirSync(dirname(path));
}

/** fsync on a folder makes a rename or a new file in it durable. Not possible on every platform; ignored there. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows and some network filesystems refuse this; the rename itself still happened.
  }
}

function syncDirSync(dir: string): void {
  ignore(() => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

function ignore(f: () => void): void {
  try {
    f();
  } catch {
    // best effort
  }
}
