import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface Nginx {
  port: number;
  url: string;
  /** Kills nginx and its workers at once (for a caller's exit handler: synchronous). */
  kill(): void;
  /** nginx's own folder (config, logs, temp and cache folders). */
  dir: string;
  /** The end of nginx's error log, for a failing test's message. */
  errors(): string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /**
   * What goes into the http block after the basics (logs, temp paths, MIME
   * types): server blocks, proxy_cache_path, upstreams. `listen` is the
   * address to put in the server block; `dir` is nginx's own folder, where a
   * cache folder can go (it is made writable for nginx's workers).
   */
  http: (o: { listen: string; dir: string }) => string;
  /** Folders under `dir` that nginx's workers write into (e.g. a proxy_cache_path). */
  writableDirs?: string[];
  workerConnections?: number;
}

/** Fails loudly when nginx is missing instead of skipping: npm test installs it. */
export function requireNginx(): void {
  if (spawnSync('sh', ['-c', 'command -v nginx || test -x /usr/sbin/nginx'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('nginx is not installed: run `npm test` (it installs it) or `apt-get install nginx-light`');
  }
}

/** The user nginx's workers run as when it is started as root (Debian's is www-data), with its ids. */
function workerUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['www-data', 'nobody']) {
    const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
    const uid = id('-u');
    const gid = id('-g');
    if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)) return { name, uid, gid };
  }
  return undefined;
}

/**
 * Starts a real nginx on 127.0.0.1 and a free port, in the foreground, with
 * everything in a folder of its own. Started as root, nginx runs its workers
 * as an unprivileged user: a mktemp folder (mode 700) would answer 403, so
 * the folder is opened for reading and the folders the workers write into
 * (temp paths, caches) are given to that user. A folder nginx serves files
 * from must be readable by that user too (see `openForNginx`).
 */
export async function startNginx(o: NginxOptions): Promise<Nginx> {
  requireNginx();
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-nginx-'));
  chmodSync(dir, 0o755);
  const user = workerUser();
  const writable = ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', ...(o.writableDirs ?? [])];
  for (const name of writable) {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    if (user) chownSync(path, user.uid, user.gid);
  }
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const conf = `${user ? `user ${user.name};` : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${o.workerConnections ?? 4096}; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000;
  types {
    application/vnd.apple.mpegurl m3u8;
    video/mp2t ts;
    video/iso.segment m4s;
    video/mp4 mp4;
    text/html html;
  }
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${o.http({ listen, dir })}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  // A process group of its own: if the master has to be killed, its workers go with it.
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  const errors = () => {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-4000) : '';
    return `${stderr}${log}`;
  };
  let stopped = false;
  const killGroup = () => {
    // Never once stopped: by then the group's number may belong to someone else.
    if (stopped || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  const stop = async () => {
    // SIGTERM is nginx's fast shutdown: workers do not wait for open connections to finish.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(killGroup, 5000);
    await exited;
    clearTimeout(timer);
    killGroup(); // workers left behind by a master that was killed
    stopped = true;
    rmSync(dir, { recursive: true, force: true });
  };
  // Up when it accepts a connection.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${errors()}`);
    try {
      await fetch(`http://${listen}/`).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not start: ${errors()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { port, url: `http://${listen}`, kill: killGroup, dir, errors, stop };
}

/** Lets nginx's workers read a folder it serves files from (a mktemp folder is mode 700). */
export function openForNginx(folder: string): void {
  chmodSync(folder, 0o755);
}
