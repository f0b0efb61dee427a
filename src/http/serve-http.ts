import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { HttpApp } from './app.js';
import { displayUrl } from './http-policy.js';
import { closeServer, listen, makeServer, type Listening } from './listen.js';

export interface ServeOptions {
  host: string;
  port: number;
  /** Extra processes answering /hls on the public port; 0 = this process answers everything. */
  workers: number;
  logger: Logger;
}

/**
 * Serves the app on the public address. With workers, this process listens
 * on a private Unix socket instead (in a fresh 0700 temp folder) and the edge
 * workers share the public port, each with a replica of the app's streams;
 * `server` is still the one to attach WebSocket upgrades to.
 */
export async function serveHttp(app: HttpApp, o: ServeOptions): Promise<Listening> {
  if (o.workers <= 0) return listen(app, o.host, o.port);
  // The edge code (node:cluster, the PROXY header) is loaded only with --workers.
  const [{ startEdgePool }, { proxiedListener }] = await Promise.all([import('./edge/edge-pool.js'), import('./edge/proxy-header.js')]);
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-'));
  const socketPath = join(dir, 'main.sock');
  const server = makeServer(app);
  const inner = proxiedListener(server);
  await new Promise<void>((resolve, reject) => {
    inner.once('error', reject);
    inner.listen(socketPath, () => resolve());
  });
  try {
    const { streams, metrics, onPlaylistRequest } = app.deps;
    const pool = await startEdgePool({ host: o.host, port: o.port, count: o.workers, socketPath, streams: streams.all(), metrics, onPlaylistRequest, logger: o.logger });
    return {
      server,
      port: pool.port,
      url: displayUrl(o.host, pool.port),
      close: async () => {
        await pool.close();
        await closeServer(inner, server);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    inner.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
