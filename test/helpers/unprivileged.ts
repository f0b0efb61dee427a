import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Unix user the tests run programs as that refuse root (VLC). */
export const PLAYER_USER = 'sharecast-player';

export interface Unprivileged {
  /** Undefined when the tests do not run as root: then the program runs as the current user. */
  uid: number | undefined;
  gid: number | undefined;
  /** A fresh HOME the user can write (VLC keeps its config and cache there). */
  home: string;
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, PLAYER_USER], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/**
 * As root: the test user PLAYER_USER (created without a home or a login
 * shell if it is missing, like the Samba test user) and a temp HOME it owns.
 * Not root: the current user, who is unprivileged already.
 */
export function unprivileged(): Unprivileged {
  const home = mkdtempSync(join(tmpdir(), 'sharecast-player-home-'));
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { uid: undefined, gid: undefined, home };
  for (let attempt = 0; attempt < 20 && idOf('-u') === undefined; attempt++) {
    const useradd = ['/usr/sbin/useradd', '/sbin/useradd'].find((p) => spawnSync('test', ['-x', p]).status === 0) ?? 'useradd';
    spawnSync(useradd, ['-M', '-s', '/usr/sbin/nologin', PLAYER_USER], { stdio: 'ignore' });
    // Another test file may hold the passwd lock meanwhile.
    if (idOf('-u') === undefined) spawnSync('sleep', ['0.2']);
  }
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined) throw new Error(`could not create the Unix user ${PLAYER_USER} (needed to run VLC, which refuses root)`);
  chownSync(home, uid, gid);
  return { uid, gid, home };
}
