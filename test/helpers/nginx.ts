import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './ports.js';
import { trackServer } from './server-process.js';

export interface NginxProxy {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** nginx's error log so far. */
  errorLog(): string;
  /** nginx's access log so far (the /ingest location keeps none). */
  accessLog(): string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** sharecast's http://127.0.0.1:PORT. */
  upstream: string;
  cert: string;
  key: string;
  /** The loopback address nginx connects to sharecast from (proxy_bind), so sharecast can tell it from the client. */
  bindAddress?: string;
}

/** Debian's nginx; scripts/test-setup.mjs installs it. */
export function requireNginx(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  throw new Error('nginx is not installed: run `npm test` (it installs it) or `apt-get install nginx-light`');
}

/**
 * The nginx server block the README shows for push ingest behind a
 * TLS-terminating proxy: chunked uploads passed on as they come
 * (proxy_request_buffering off, HTTP/1.1 upstream with keep-alive), no body
 * size limit (sharecast has its own), the client's address in
 * X-Forwarded-For, and no access log for /ingest (its URLs hold the key).
 */
export function ingestServerBlock(o: { listen: string; upstream: string; cert: string; key: string; bindAddress?: string }): string {
  const bind = o.bindAddress ? `proxy_bind ${o.bindAddress};` : '';
  return `
  upstream sharecast {
    server ${new URL(o.upstream).host};
    keepalive 8;
  }
  server {
    listen ${o.listen} ssl;
    ssl_certificate ${o.cert};
    ssl_certificate_key ${o.key};
    location /ingest/ {
      access_log off;
      proxy_pass http://sharecast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffering off;
      client_max_body_size 0;
      proxy_read_timeout 120s;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      ${bind}
    }
    location / {
      proxy_pass http://sharecast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      ${bind}
    }
  }`;
}

/**
 * A real nginx terminating TLS on 127.0.0.1 in front of sharecast, in a
 * temp prefix. As root, nginx runs its workers as nobody: the prefix and its
 * temp folders are given to that user, or the workers cannot use them.
 * Started in its own process group, stopped with all its workers.
 */
export async function startNginx(o: NginxOptions): Promise<NginxProxy> {
  const nginx = requireNginx();
  const prefix = mkdtempSync(join(tmpdir(), 'sharecast-nginx-'));
  const port = await freePort();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(prefix, d));
  const conf = `
${root ? 'user nobody nogroup;' : ''}
worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} info;
events { worker_connections 256; }
http {
  access_log ${join(prefix, 'logs', 'access.log')};
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  ${ingestServerBlock({ listen: `127.0.0.1:${port}`, upstream: o.upstream, cert: o.cert, key: o.key, ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}) })}
}
`;
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  if (root) {
    // mkdtemp made the prefix 0700 for root: the workers (nobody) need their folders.
    chmodSync(prefix, 0o755);
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) chownSync(join(prefix, d), 65534, 65534);
  }
  const test = spawnSync(nginx, ['-t', '-q', '-p', prefix, '-e', join(prefix, 'logs', 'error.log'), '-c', confPath], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the config: ${test.stderr}`);
  const child: ChildProcess = spawn(nginx, ['-p', prefix, '-e', join(prefix, 'logs', 'error.log'), '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // gone
    }
  };
  const tracked = trackServer(child, () => killGroup('SIGKILL'));
  const readLog = (name: string) => {
    try {
      return readFileSync(join(prefix, 'logs', name), 'utf8');
    } catch {
      return '';
    }
  };
  const errorLog = () => readLog('error.log');
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (tracked.exited() || Date.now() > deadline) {
      killGroup('SIGKILL');
      throw new Error(`nginx did not start:\n${tracked.output()}\n${errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    errorLog,
    accessLog: () => readLog('access.log'),
    stop: async () => {
      const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      killGroup('SIGKILL');
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
