/**
 * Short runs of the ARM node under qemu that the smoke run reports: what the
 * node says it is, and how bin/sharecast.js's start-up check judges it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArmRuntimeError, armNodeArgv, type ArmRuntime } from './arm-runtime.js';
import type { SmokeResult } from './smoke-result.js';

/** Environment for processes we start: this machine's PATH/HOME/proxies, nothing of npm's or ours. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|NODE_|SHARECAST_|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** process.arch, version and platform as the ARM node reports them, and how long it took to start. */
export function probeNode(rt: ArmRuntime, cwd: string): { arch: string; version: string; platform: string; seconds: number } {
  const started = Date.now();
  const [bin, args] = armNodeArgv(rt, ['-p', 'JSON.stringify({arch: process.arch, version: process.version, platform: process.platform})']);
  const probe = spawnSync(bin, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) throw new ArmRuntimeError(`the ARM node did not run under qemu (${probe.status ?? probe.error?.message}):\n${probe.stderr}`);
  const info = JSON.parse(probe.stdout.trim()) as { arch: string; version: string; platform: string };
  return { ...info, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/**
 * The start-up check of bin/sharecast.js, run by the ARM node on the armhf
 * root's /etc/os-release. Under qemu, process.execPath is the binary's host
 * path, so the server itself judges its node a Node.js project build (and
 * warns about Node.js 20's end of life in server.log); in the image it is
 * /usr/bin/node, which is what this check passes.
 */
export function checkNodeSupport(rt: ArmRuntime, appDir: string, work: string): NonNullable<SmokeResult['nodeSupport']> {
  const script = [
    "import { readFileSync } from 'node:fs';",
    `import { loadNodeLines, nodeSupport, nodeWarning, parseOsRelease } from ${JSON.stringify(pathToFileURL(join(appDir, 'bin', 'node-support.js')).href)};`,
    'const table = loadNodeLines();',
    "const osRelease = parseOsRelease(readFileSync('/etc/os-release', 'utf8'));",
    "const s = nodeSupport({ version: process.version, execPath: '/usr/bin/node', osRelease }, table);",
    "const warning = nodeWarning(s, table, new Date().toISOString().slice(0, 10));",
    'console.log(JSON.stringify({ by: s.by, supportedUntil: s.supportedUntil ?? null, os: osRelease.PRETTY_NAME ?? "?", warning: warning ?? null }));',
  ].join('\n');
  const [bin, args] = armNodeArgv(rt, ['--input-type=module', '-e', script]);
  const r = spawnSync(bin, args, { cwd: work, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new ArmRuntimeError(`bin/node-support.js did not run under qemu (${r.status ?? r.error?.message}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as NonNullable<SmokeResult['nodeSupport']>;
}
