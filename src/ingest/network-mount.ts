import { readFile } from 'node:fs/promises';

/** File systems on which inotify never hears about changes made by another machine. */
const NETWORK_FS = new Set(['cifs', 'smb3', 'smbfs', 'nfs', 'nfs4', '9p', 'afs', 'ceph', 'glusterfs', 'davfs', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs', 'vboxsf', 'virtiofs']);

/**
 * The file system type of the mount holding `path` (already a real path), from
 * /proc/mounts, or undefined where that cannot be told (not Linux).
 */
export async function fileSystemTypeOf(path: string, mountsText?: string): Promise<string | undefined> {
  let text = mountsText;
  if (text === undefined) {
    try {
      text = await readFile('/proc/mounts', 'utf8');
    } catch {
      return undefined;
    }
  }
  let best: { mount: string; type: string } | undefined;
  for (const line of text.split('\n')) {
    const [, rawMount, type] = line.split(' ');
    if (rawMount === undefined || type === undefined || !rawMount.startsWith('/') || type === '') continue;
    const mount = rawMount.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = mount === '/' || path === mount || path.startsWith(`${mount}/`);
    if (inside && (best === undefined || mount.length >= best.mount.length)) best = { mount, type };
  }
  return best?.type;
}

export function isNetworkFileSystem(type: string | undefined): boolean {
  return type !== undefined && (NETWORK_FS.has(type) || type.startsWith('fuse.') && /sshfs|rclone|smb|nfs|s3/.test(type));
}
