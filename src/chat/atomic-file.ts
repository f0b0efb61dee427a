import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file so that a crash leaves either the old or the new content:
 * write a temp file beside it, fsync, rename over, fsync the folder.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
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
  await rename(tmp, path);
  await syncDir(dirname(path));
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
