import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileSystemTypeOf, isNetworkFileSystem } from '../../../src/ingest/network-mount.js';

// /proc/mounts of a small board with a share mounted (as the kernel writes it: octal escapes for spaces).
const MOUNTS = [
  'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  '/dev/mmcblk0p2 / ext4 rw,noatime 0 0',
  'tmpfs /run tmpfs rw,nosuid,nodev,size=202384k,mode=755 0 0',
  '/dev/mmcblk0p1 /boot vfat rw,relatime 0 0',
  '//192.168.1.20/OBS /mnt/obs cifs rw,relatime,vers=3.1.1,cache=strict,username=obs,uid=1000 0 0',
  'nas:/export/obs /mnt/nfs nfs4 rw,relatime,vers=4.2 0 0',
  '/dev/sda1 /mnt/obs\\040share ext4 rw,relatime 0 0',
  'obs@host:/home/obs /mnt/ssh fuse.sshfs rw,nosuid,nodev,relatime,user_id=1000 0 0',
  '/dev/sdb1 /srv btrfs rw 0 0',
  '//nas/Media /srv/media smb3 rw 0 0',
  '',
].join('\n');

describe('fileSystemTypeOf', () => {
  it('finds the mount holding a path: the longest mount point that is a whole-folder prefix', async () => {
    assert.equal(await fileSystemTypeOf('/mnt/obs/live/stream.m3u8', MOUNTS), 'cifs');
    assert.equal(await fileSystemTypeOf('/mnt/obs', MOUNTS), 'cifs');
    assert.equal(await fileSystemTypeOf('/mnt/obs2/stream.m3u8', MOUNTS), 'ext4', 'not a prefix by folder');
    assert.equal(await fileSystemTypeOf('/mnt/nfs/x', MOUNTS), 'nfs4');
    assert.equal(await fileSystemTypeOf('/mnt/ssh/obs', MOUNTS), 'fuse.sshfs');
    assert.equal(await fileSystemTypeOf('/srv/media/obs', MOUNTS), 'smb3');
    assert.equal(await fileSystemTypeOf('/srv/other', MOUNTS), 'btrfs');
    assert.equal(await fileSystemTypeOf('/home/obs', MOUNTS), 'ext4');
    assert.equal(await fileSystemTypeOf('/', MOUNTS), 'ext4');
  });

  it('reads octal escapes in mount points (a space is \\040)', async () => {
    assert.equal(await fileSystemTypeOf('/mnt/obs share/stream.m3u8', MOUNTS), 'ext4');
    const text = '/dev/root / ext4 rw 0 0\n//nas/x /mnt/OBS\\040Output cifs rw 0 0\n';
    assert.equal(await fileSystemTypeOf('/mnt/OBS Output/stream.m3u8', text), 'cifs');
    assert.equal(await fileSystemTypeOf('/mnt/OBS\\040Output/stream.m3u8', text), 'ext4');
  });

  it('takes the last of several mounts on one point (the one on top)', async () => {
    const text = '/dev/root / ext4 rw 0 0\n/dev/sda1 /mnt/obs ext4 rw 0 0\n//nas/obs /mnt/obs cifs rw 0 0\n';
    assert.equal(await fileSystemTypeOf('/mnt/obs/a', text), 'cifs');
  });

  it('says nothing when it cannot tell', async () => {
    assert.equal(await fileSystemTypeOf('/mnt/obs', ''), undefined);
    assert.equal(await fileSystemTypeOf('/mnt/obs', 'garbage\n\n  \n'), undefined);
  });
});

describe('isNetworkFileSystem', () => {
  it('is true for file systems where inotify misses changes made elsewhere', () => {
    for (const t of ['cifs', 'smb3', 'smbfs', 'nfs', 'nfs4', '9p', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs', 'virtiofs', 'vboxsf', 'fuse.smbnetfs']) {
      assert.equal(isNetworkFileSystem(t), true, t);
    }
  });

  it('is false for local ones and for unknown', () => {
    for (const t of ['ext4', 'btrfs', 'xfs', 'vfat', 'exfat', 'tmpfs', 'overlay', 'f2fs', 'fuse.ntfs-3g', 'fuseblk', 'squashfs']) {
      assert.equal(isNetworkFileSystem(t), false, t);
    }
    assert.equal(isNetworkFileSystem(undefined), false);
  });
});
