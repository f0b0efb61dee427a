import { type FileHandle, open, stat } from 'node:fs/promises';
import type { FollowIo } from './file-follower.js';

interface FsHandle {
  file: FileHandle;
  ino: number;
}

/**
 * Following a growing file in a local folder (or a mounted share): the file
 * is ffmpeg's NAME.tmp until it is renamed to NAME. The same inode under the
 * final name means the rename happened. `inside` rejects a path whose real
 * location is outside the source.
 */
export function fsFollowIo(finalPath: string, growingPath: string, inside: (path: string) => Promise<void>): FollowIo<FsHandle> {
  return {
    async open() {
      for (const [path, final] of [[finalPath, true], [growingPath, false]] as const) {
        const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (!file) continue;
        try {
          // A link that leads out of the source is never read.
          await inside(path);
          if (!(await file.stat()).isFile()) throw new Error(`${path} is not a file`);
        } catch (err) {
          await file.close();
          throw err;
        }
        return { handle: { file, ino: (await file.stat()).ino }, final };
      }
      return null;
    },
    async size(h) {
      const s = await h.file.stat();
      return { size: s.size, deleted: s.nlink === 0 };
    },
    async read(h, offset, length) {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await h.file.read(buf, 0, length, offset);
      return bytesRead === length ? buf : buf.subarray(0, bytesRead);
    },
    async finalName(h) {
      const s = await stat(finalPath).catch(() => undefined);
      if (!s) return 'none';
      return s.ino === h.ino ? 'same' : 'other';
    },
    async close(h) {
      await h.file.close();
    },
  };
}
