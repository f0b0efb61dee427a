import type { FollowIo } from '../file-follower.js';
import type { FileHandle, SmbClient } from './client.js';
import { CreateOption, NtStatus } from './constants.js';
import { SmbStatusError } from './errors.js';

interface SmbFollowHandle {
  client: SmbClient;
  file: FileHandle;
}

const NOT_FOUND: readonly number[] = [NtStatus.ObjectNameNotFound, NtStatus.NoSuchFile];

function notFound(err: unknown): boolean {
  return err instanceof SmbStatusError && NOT_FOUND.includes(err.status);
}

/**
 * Following a growing file on an SMB share: one handle kept open on ffmpeg's
 * NAME.tmp (opened with every share mode, so the writer can still rename it),
 * READs at the offset reached so far, and a CREATE + CLOSE of NAME to see the
 * rename. The same size under the final name as our handle's means it is our
 * file (a new recording reusing the name would differ; Samba makes up creation
 * times, and FileIds differ per open).
 * `client` gives the share's current connection; a handle does not outlive it.
 */
export function smbFollowIo(client: () => Promise<SmbClient>, finalPath: string, growingPath: string, timeoutMs: number | undefined): FollowIo<SmbFollowHandle> {
  const opts = timeoutMs === undefined ? {} : { timeoutMs };
  return {
    async open() {
      const c = await client();
      for (const [path, final] of [[finalPath, true], [growingPath, false]] as const) {
        try {
          const file = await c.open(path, CreateOption.NonDirectoryFile, opts);
          return { handle: { client: c, file }, final };
        } catch (err) {
          if (!notFound(err)) throw err;
        }
      }
      return null;
    },
    async size(h) {
      const info = await h.client.queryStandardInfo(h.file.fileId, opts);
      return { size: Number(info.endOfFile), deleted: info.deletePending };
    },
    async read(h, offset, length) {
      return h.client.read(h.file.fileId, offset, length, opts);
    },
    async finalName(h) {
      try {
        const meta = await h.client.stat(finalPath, opts);
        if (meta.isDirectory) return 'other';
        // Samba makes up creation times (and FileIds differ per open): the same size as our handle's file says it is ours.
        const ours = await h.client.queryStandardInfo(h.file.fileId, opts);
        return meta.endOfFile === ours.endOfFile ? 'same' : 'other';
      } catch (err) {
        if (notFound(err)) return 'none';
        throw err;
      }
    },
    async close(h) {
      await h.client.closeHandle(h.file.fileId, opts);
    },
  };
}
