import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNginx, type Nginx } from './nginx.js';

export interface IngestProxy {
  /** https://127.0.0.1:PORT */
  url: string;
  nginx: Nginx;
  /** nginx's access log for the paths that keep one (/ingest keeps none). */
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * The nginx server block the README shows for push ingest behind a
 * TLS-terminating proxy: chunked uploads passed on as they come
 * (proxy_request_buffering off, HTTP/1.1 upstream with keep-alive), no body
 * size limit (sharecast has its own), the client's address in
 * X-Forwarded-For, and no access log for /ingest (its URLs hold the key).
 * `bindAddress`: the loopback address nginx connects to sharecast from.
 */
export function ingestServerBlock(o: { listen: string; upstream: string; cert: string; key: string; accessLog: string; bindAddress?: string }): string {
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
      access_log ${o.accessLog};
      proxy_pass http://sharecast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      ${bind}
    }
  }`;
}

/** A real nginx terminating TLS on 127.0.0.1 in front of sharecast (`upstream`), with the README's server block. */
export async function startIngestProxy(o: { upstream: string; cert: string; key: string; bindAddress?: string }): Promise<IngestProxy> {
  let accessLog = '';
  const nginx = await startNginx({
    writableDirs: ['logs'],
    http: ({ listen, dir }) => {
      accessLog = join(dir, 'logs', 'access.log');
      return ingestServerBlock({ listen, upstream: o.upstream, cert: o.cert, key: o.key, accessLog, ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}) });
    },
  });
  return {
    url: `https://127.0.0.1:${nginx.port}`,
    nginx,
    accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : ''),
    stop: () => nginx.stop(),
  };
}
