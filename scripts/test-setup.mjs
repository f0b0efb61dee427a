#!/usr/bin/env node
// Makes sure the system programs the tests drive are present: a real ffmpeg
// (the stand-in for OBS), a real Samba server and a second SMB server
// (impacket), a real Chromium, players that are not browsers (VLC, mpv) for
// the offline-slate tests, nginx and openssl (a caching edge, and push
// ingest behind a TLS-terminating proxy), and qemu for the ARMv7 smoke run. Installs
// what is missing with apt-get when running as root; otherwise stops and
// prints the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * program on PATH (or absolute path) -> Debian package that provides it; or a
 * `check` that says whether the package is there. Debian's impacket is a
 * module for Debian's /usr/bin/python3 (not a pyenv python3 first on PATH).
 */
const NEEDED = [
  { program: 'ffmpeg', pkg: 'ffmpeg' },
  { program: 'ffprobe', pkg: 'ffmpeg' },
  { program: 'smbd', pkg: 'samba', paths: ['/usr/sbin/smbd'] },
  { program: 'smbpasswd', pkg: 'samba', paths: ['/usr/bin/smbpasswd'] },
  { program: 'chromium', pkg: 'chromium', paths: ['/usr/bin/chromium'] },
  // The caching edge in front of LL-HLS (test/integration/edge) and the floor in bench:g2g.
  { program: 'nginx', pkg: 'nginx-light', paths: ['/usr/sbin/nginx'] },
  // VLC's command-line player, and its base plugins (HTTP, HLS "adaptive", MPEG-TS, the dummy interface and outputs).
  { program: 'cvlc', pkg: 'vlc-bin', paths: ['/usr/bin/cvlc'] },
  { program: 'vlc-plugin-base', pkg: 'vlc-plugin-base', check: () => debianPackageInstalled('vlc-plugin-base') },
  { program: 'mpv', pkg: 'mpv', paths: ['/usr/bin/mpv'] },
  { program: 'qemu-arm-static', pkg: 'qemu-user-static', paths: ['/usr/bin/qemu-arm-static'] },
  { program: 'debootstrap', pkg: 'debootstrap', paths: ['/usr/sbin/debootstrap'] },
  // Push ingest behind a TLS-terminating nginx (test/integration/ingest/push-proxy): a certificate made at test time.
  { program: 'openssl', pkg: 'openssl', paths: ['/usr/bin/openssl'] },
  {
    program: 'impacket',
    pkg: 'python3-impacket',
    check: () => existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import impacket.smbserver'], { stdio: 'ignore' }).status === 0,
  },
];

/** dpkg's word on a package (for packages that put no program on the PATH). */
function debianPackageInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

function has(entry) {
  if (entry.check) return entry.check();
  if (entry.paths?.some((p) => existsSync(p))) return true;
  return spawnSync('sh', ['-c', `command -v ${entry.program}`], { stdio: 'ignore' }).status === 0;
}

const missing = [...new Set(NEEDED.filter((e) => !has(e)).map((e) => e.pkg))];
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
  console.error(`test setup: the tests need these system packages: ${missing.join(', ')}.`);
  console.error(`Install them as root, then run npm test again:\n\n  sudo sh -c '${cmd}'\n`);
  process.exit(1);
}
console.log(`test setup: installing ${missing.join(', ')} with apt-get…`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
} catch {
  console.error(`test setup: apt-get failed. Run this yourself, then npm test again:\n\n  ${cmd}\n`);
  process.exit(1);
}
