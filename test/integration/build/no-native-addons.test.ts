/**
 * The ARMv7 image copies node_modules that were installed on the build
 * machine (often x86). That only works while every production dependency is
 * pure JavaScript: no compiled addon, no node-gyp project, no install script,
 * no bundled executable. This test holds the production dependency tree to it,
 * from the lockfile and from the files on disk.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanTree } from '../../../scripts/arm/native-scan.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  hasInstallScript?: boolean;
  gypfile?: boolean;
  os?: string[];
  cpu?: string[];
  link?: boolean;
}

const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** node_modules paths `npm prune --omit=dev` keeps: every lock entry not marked dev. */
const production = new Map(Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev));

describe('production dependencies are pure JavaScript', () => {
  it('the lockfile lists the production tree (sanity: the scan below is not empty)', () => {
    assert.ok(lock.lockfileVersion >= 2, 'lockfile v2+ marks dev packages');
    for (const name of Object.keys(pkg.dependencies)) {
      assert.ok(production.has(`node_modules/${name}`), `${name} is a production dependency in the lockfile`);
    }
  });

  it('no production package has an install script, a gyp file or a platform restriction (lockfile)', () => {
    const bad: string[] = [];
    for (const [path, entry] of production) {
      if (entry.hasInstallScript) bad.push(`${path}: has an install script`);
      if (entry.gypfile) bad.push(`${path}: builds with node-gyp`);
      // Packages limited to an os/cpu are how prebuilt binaries are shipped.
      if (entry.os || entry.cpu) bad.push(`${path}: limited to os=${entry.os?.join(',') ?? '*'} cpu=${entry.cpu?.join(',') ?? '*'}`);
    }
    assert.deepEqual(bad, [], `production dependencies that would not run on an ARMv7 board:\n${bad.join('\n')}`);
  });

  it('no production package on disk holds a .node file, binding.gyp, an install script or an executable', () => {
    const { packages, findings } = scanTree(REPO, (rel) => production.has(rel));
    assert.ok(packages >= Object.keys(pkg.dependencies).length, `scanned ${packages} production packages`);
    assert.deepEqual(
      findings.map((f) => `${f.file}: ${f.reason}`),
      [],
      'native code in the production tree; the ARMv7 image copies node_modules from the build machine',
    );
  });

  it('the scan does find native code (checked on a made-up tree)', () => {
    const root = mkdtempSync(join(tmpdir(), 'sharecast-native-scan-'));
    try {
      const write = (rel: string, data: string | Buffer) => {
        mkdirSync(join(root, rel, '..'), { recursive: true });
        writeFileSync(join(root, rel), data);
      };
      write('node_modules/pure/package.json', JSON.stringify({ name: 'pure', scripts: { test: 'x' } }));
      write('node_modules/pure/index.js', 'module.exports = 1;');
      write('node_modules/addon/package.json', JSON.stringify({ name: 'addon', gypfile: true, scripts: { install: 'node-gyp rebuild' } }));
      write('node_modules/addon/binding.gyp', '{}');
      write('node_modules/addon/build/Release/addon.node', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]));
      write('node_modules/@scope/tool/package.json', JSON.stringify({ name: '@scope/tool', scripts: { postinstall: 'node fetch-binary.js' } }));
      write('node_modules/@scope/tool/node_modules/inner/package.json', JSON.stringify({ name: 'inner' }));
      write('node_modules/@scope/tool/node_modules/inner/bin/tool', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
      const { packages, findings } = scanTree(root);
      assert.equal(packages, 4);
      const got = findings.map((f) => `${f.file}: ${f.reason.split(':')[0]}`).sort();
      assert.deepEqual(got, [
        'node_modules/@scope/tool/node_modules/inner/bin/tool: an ELF executable or library',
        'node_modules/@scope/tool/package.json: "postinstall" script',
        'node_modules/addon/binding.gyp: node-gyp project (binding.gyp)',
        'node_modules/addon/build/Release/addon.node: compiled Node addon (.node)',
        'node_modules/addon/package.json: "gypfile"',
        'node_modules/addon/package.json: "install" script',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
