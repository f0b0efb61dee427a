import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports.js';

export { freePort };

export const ROOT = join(import.meta.dirname, '..', '..');

/** Exits with the exact install command when a program the bench needs is missing. */
export function requirePrograms(programs: Array<[program: string, pkg: string]>): void {
  const missing = programs.filter(([p]) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0 && !existsSync(`/usr/sbin/${p}`));
  if (missing.length > 0) {
    console.error(`bench needs: ${missing.map(([p]) => p).join(', ')}. Install with:\n  apt-get install -y ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`);
    process.exit(1);
  }
}

/**
 * Starts the built sharecast (dist/) as its own process, so its CPU and RSS
 * are its own. SERVER_NODE_ARGS adds node flags, e.g.
 * SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
export async function startSharecast(args: string[], o: { nodeArgs?: string[]; stdio?: 'inherit' | 'ignore'; env?: Record<string, string> } = {}): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) {
    console.error('bench: build first (npm run build)');
    process.exit(1);
  }
  const port = await freePort();
  const nodeArgs = [...(o.nodeArgs ?? []), ...(process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '')];
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'sharecast.js'), '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...args], {
    stdio: ['ignore', o.stdio ?? 'inherit', o.stdio ?? 'inherit'],
    env: { ...process.env, ...o.env },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('sharecast did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

/** The node flags `npm start` passes, read from package.json so this bench measures what users run. */
export function npmStartFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts['start'] ?? '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('bin/sharecast.js')).filter((w) => w.startsWith('--'));
}
