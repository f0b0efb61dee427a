/**
 * The armv7-debian image's runtime, run on this (x86) machine without a
 * container engine: Debian's own armhf nodejs package, the one that image
 * ships, executed by qemu-arm-static as a plain user-mode emulator (no binfmt,
 * no chroot) with an armhf root given to qemu with -L.
 *
 * The root is made as the image is: `debootstrap --foreign --variant=minbase`
 * of the image's Debian suite stands for debian:SUITE-slim (its packages are
 * recorded in the root's dpkg database by docker/debian-node.sh register),
 * then docker/debian-node.sh install, the same file the Dockerfile's
 * debian-node stage runs, adds nodejs and what it depends on from SUITE,
 * SUITE-updates and SUITE-security.
 *
 * The root is cached outside the repository, in
 * ${SHARECAST_ARM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/sharecast/arm}, and made
 * again after REFRESH_DAYS so that Debian's security updates come in (about
 * 60 MB from Debian's mirror, under a minute).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The script the Dockerfile's debian-node stage runs. */
export const DEBIAN_NODE_SCRIPT = join(REPO, 'docker', 'debian-node.sh');
/** A cached root older than this is made again, for Debian's security updates. */
export const REFRESH_DAYS = 7;

/** What the armv7-debian bake target installs: Debian SUITE's nodejs, of Node.js line nodeLine. */
export interface DebianNodeSpec {
  suite: string;
  nodeLine: number;
}

export interface ArmRuntime {
  /** qemu-arm-static (or qemu-arm) on this machine. */
  qemu: string;
  qemuVersion: string;
  /** The armhf root given to qemu with -L. */
  rootfs: string;
  /** Debian's armhf node binary inside it (host path). */
  node: string;
  /** The nodejs package's version, e.g. 20.19.2+dfsg-1+deb13u3. */
  nodePackage: string;
  suite: string;
  /** Debian archives the packages came from (SUITE, SUITE-updates, SUITE-security). */
  archives: string[];
  /** Set when the mirror's -updates/-security index could not be read and SUITE alone was used. */
  indexWarning?: string;
  /** When the root was made (ISO time). */
  made: string;
  /** The root's /etc/passwd line for the image's user, as docker/debian-node.sh --user wrote it. */
  userEntry: string | undefined;
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

/** URIs of this machine's apt sources that carry `main` (deb lines and deb822 stanzas). */
function aptSourceUris(): Array<{ uri: string; suites: string }> {
  const out: Array<{ uri: string; suites: string }> = [];
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
        if (!/\bdeb\b/.test(field('Types')) || !/\bmain\b/.test(field('Components'))) continue;
        for (const uri of field('URIs').split(/\s+/).filter(Boolean)) out.push({ uri, suites: field('Suites') });
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
        if (m && /\bmain\b/.test(m[3] ?? '')) out.push({ uri: m[1] ?? '', suites: m[2] ?? '' });
      }
    }
  }
  return out;
}

/**
 * The Debian archive this machine's apt already uses (so a machine that can
 * install packages can also debootstrap); SHARECAST_ARM_MIRROR overrides it.
 */
export function debianMirror(): string {
  if (process.env.SHARECAST_ARM_MIRROR) return process.env.SHARECAST_ARM_MIRROR.replace(/\/$/, '');
  // Debian's own archive, not a third-party repository listed beside it.
  const debian = aptSourceUris().find((s) => /\/debian\/?$/.test(s.uri) && !/security/.test(s.suites));
  return (debian?.uri ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
}

/** Debian's security archive as this machine's apt reaches it; SHARECAST_ARM_SECURITY_MIRROR overrides it. */
export function debianSecurityMirror(): string {
  if (process.env.SHARECAST_ARM_SECURITY_MIRROR) return process.env.SHARECAST_ARM_SECURITY_MIRROR.replace(/\/$/, '');
  const security = aptSourceUris().find((s) => /\/debian-security\/?$/.test(s.uri));
  return (security?.uri ?? 'http://deb.debian.org/debian-security').replace(/\/$/, '');
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

interface RootfsMarker {
  suite: string;
  nodeLine: number;
  /** sha256 of docker/debian-node.sh that made the tree: a changed script makes it again. */
  script: string;
  nodePackage: string;
  archives: string[];
  indexWarning?: string;
  made: string;
}

/** The version of package `name` in a root's dpkg database. */
export function installedVersion(rootfs: string, name: string): string | undefined {
  const status = join(rootfs, 'var/lib/dpkg/status');
  if (!existsSync(status)) return undefined;
  for (const stanza of readFileSync(status, 'utf8').split(/\n\s*\n/)) {
    if (new RegExp(`^Package: ${name}$`, 'm').test(stanza)) return /^Version: (.+)$/m.exec(stanza)?.[1];
  }
  return undefined;
}

function readMarker(rootfs: string): RootfsMarker | undefined {
  try {
    return JSON.parse(readFileSync(join(rootfs, ROOTFS_MARKER), 'utf8')) as RootfsMarker;
  } catch {
    return undefined;
  }
}

/** debootstrap's first stage of SUITE for armhf, recorded as installed, plus Debian's nodejs. */
function ensureRootfs(cacheDir: string, spec: DebianNodeSpec, log: Log): { rootfs: string; marker: RootfsMarker } {
  const rootfs = join(cacheDir, `rootfs-${spec.suite}-armhf-node${spec.nodeLine}`);
  const script = createHash('sha256').update(readFileSync(DEBIAN_NODE_SCRIPT)).digest('hex');
  const cached = readMarker(rootfs);
  const ageDays = cached ? (Date.now() - Date.parse(cached.made)) / 86_400_000 : Infinity;
  const current = cached?.script === script && ageDays < REFRESH_DAYS;
  if (cached && current && existsSync(join(rootfs, 'usr/bin/node'))) return { rootfs, marker: cached };

  const debootstrap = which(['debootstrap'], ['/usr/sbin/debootstrap']);
  if (!debootstrap) {
    throw new ArmRuntimeError(
      'debootstrap was not found; it makes the armhf tree qemu runs Debian\'s nodejs in. Install Debian\'s debootstrap ' +
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
  const security = debianSecurityMirror();
  const partial = `${rootfs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const why = !cached ? 'making the armhf tree' : cached.script !== script ? 'docker/debian-node.sh changed; making the armhf tree again' : `the armhf tree is ${ageDays.toFixed(0)} days old; making it again`;
  log(`${why}: debootstrap --foreign ${spec.suite} from ${mirror}, then Debian's nodejs (about a minute)`);
  const started = Date.now();
  try {
    run(debootstrap, ['--arch=armhf', '--variant=minbase', '--foreign', spec.suite, partial, mirror], { logFile: join(cacheDir, 'debootstrap.log') });
    // --foreign unpacks the packages but leaves recording them to a second
    // stage that never runs here; record them, as debian:SUITE-slim has them.
    const archives = join(partial, 'var/cache/apt/archives');
    const debs = readdirSync(archives).filter((f) => f.endsWith('.deb')).map((f) => join(archives, f));
    run('sh', [DEBIAN_NODE_SCRIPT, 'register', '--root', partial, ...debs], { logFile: join(cacheDir, 'register.log') });
    for (const deb of debs) rmSync(deb);
    // The test machine's mirror may serve -updates/-security indexes that do
    // not match their Release file (a sync in progress); go on with SUITE
    // alone then and say so. The Dockerfile never passes --lenient-updates.
    const out = run(
      'sh',
      [DEBIAN_NODE_SCRIPT, 'install', '--root', partial, '--arch', 'armhf', '--suite', spec.suite, '--node-line', String(spec.nodeLine), '--mirror', mirror, '--security-mirror', security, '--user', 'node:1000', '--lenient-updates'],
      { logFile: join(cacheDir, 'debian-node.log') },
    );
    const nodePackage = installedVersion(partial, 'nodejs');
    if (!nodePackage || !existsSync(join(partial, 'usr/bin/node'))) throw new ArmRuntimeError(`docker/debian-node.sh installed no nodejs into ${partial}:\n${out.slice(-2000)}`);
    const warning = /WARNING: (.*)/.exec(out)?.[1];
    const marker: RootfsMarker = {
      suite: spec.suite,
      nodeLine: spec.nodeLine,
      script,
      nodePackage,
      archives: warning ? [`${mirror} ${spec.suite}`] : [`${mirror} ${spec.suite}`, `${mirror} ${spec.suite}-updates`, `${security} ${spec.suite}-security`],
      ...(warning ? { indexWarning: warning } : {}),
      made: new Date().toISOString(),
    };
    writeFileSync(join(partial, ROOTFS_MARKER), JSON.stringify(marker));
    // The stale root goes; publish() then keeps whichever fresh one finished first.
    if (cached) rmSync(rootfs, { recursive: true, force: true });
    publish(partial, rootfs, ROOTFS_MARKER);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  const marker = readMarker(rootfs) as RootfsMarker;
  log(`armhf tree ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${rootfs} (nodejs ${marker.nodePackage})`);
  return { rootfs, marker };
}

/** Makes (or reuses) the cached armhf root with Debian's nodejs; throws ArmRuntimeError with a fix on failure. */
export function ensureArmRuntime(spec: DebianNodeSpec, log: Log, cacheDir = armCacheDir()): ArmRuntime {
  const qemu = findQemu();
  removeStalePartials(cacheDir);
  const { rootfs, marker } = ensureRootfs(cacheDir, spec, log);
  return {
    qemu: qemu.path,
    qemuVersion: qemu.version,
    rootfs,
    node: join(rootfs, 'usr/bin/node'),
    nodePackage: marker.nodePackage,
    suite: marker.suite,
    archives: marker.archives,
    ...(marker.indexWarning ? { indexWarning: marker.indexWarning } : {}),
    made: marker.made,
    userEntry: readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('node:')),
  };
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
