/**
 * Finds what would tie a node_modules tree to one CPU: compiled addons (.node
 * files), node-gyp projects (binding.gyp, "gypfile"), install scripts (which
 * is how addons get built or downloaded), and executables in a machine format
 * (ELF, Mach-O, PE). The ARMv7 image copies node_modules built on another
 * machine, so its production tree must have none of these.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';

export interface NativeFinding {
  /** Package folder relative to the scanned root, e.g. node_modules/foo. */
  pkg: string;
  /** File relative to the scanned root. */
  file: string;
  reason: string;
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

function magicOf(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(4);
    if (readSync(fd, buf, 0, 4, 0) < 4) return undefined;
    if (buf.readUInt32BE(0) === 0x7f454c46) return 'an ELF executable or library';
    const be = buf.readUInt32BE(0);
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(be)) return 'a Mach-O executable or library';
    if (buf[0] === 0x4d && buf[1] === 0x5a) return 'a Windows (PE) executable or library';
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Looks at the package whose folder is `pkgDir` (its package.json and every file under it). */
export function scanPackage(root: string, pkgDir: string, findings: NativeFinding[]): void {
  const pkg = relative(root, pkgDir);
  try {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; gypfile?: boolean };
    for (const name of INSTALL_SCRIPTS) {
      const script = manifest.scripts?.[name];
      if (script) findings.push({ pkg, file: join(pkg, 'package.json'), reason: `"${name}" script: ${script}` });
    }
    if (manifest.gypfile) findings.push({ pkg, file: join(pkg, 'package.json'), reason: '"gypfile": true (built with node-gyp)' });
  } catch {
    // A folder without a package.json is not a package; its files are still looked at.
  }
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        // Nested packages are scanned on their own by scanTree.
        if (e.name !== 'node_modules') walk(p);
      } else if (e.isFile()) {
        const file = relative(root, p);
        if (e.name.endsWith('.node')) findings.push({ pkg, file, reason: 'compiled Node addon (.node)' });
        else if (e.name === 'binding.gyp') findings.push({ pkg, file, reason: 'node-gyp project (binding.gyp)' });
        else {
          const magic = magicOf(p);
          if (magic) findings.push({ pkg, file, reason: magic });
        }
      }
    }
  };
  walk(pkgDir);
}

/** Every package folder in a node_modules tree, nested and scoped ones too. */
export function packageDirs(nodeModules: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.name.startsWith('@')) {
        visit(p);
        continue;
      }
      out.push(p);
      visit(join(p, 'node_modules'));
    }
  };
  visit(nodeModules);
  return out;
}

/** Scans every package of the node_modules folder under `root` (e.g. the image's /app). */
export function scanTree(root: string, include: (pkgRel: string) => boolean = () => true): { packages: number; findings: NativeFinding[] } {
  const findings: NativeFinding[] = [];
  let packages = 0;
  for (const dir of packageDirs(join(root, 'node_modules'))) {
    const rel = relative(root, dir).split('\\').join('/');
    if (!include(rel)) continue;
    packages++;
    scanPackage(root, dir, findings);
  }
  return { packages, findings };
}
