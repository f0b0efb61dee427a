import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { Stream } from '../stream/stream.js';
import type { HttpApp } from './app.js';
import { startEdgePool } from './edge/edge-pool.js';
import { proxiedListener } from './edge/proxy-header.js';
import type { PlaylistClient } from './hls-handler.js';
import { listen, makeServer, type Listening } from './listen.js';

export interface ServeOptions {
  host: string;
  port: number;
  /** Extra processes answering /hls on the public port; 0 = this process answers everything. */
  workers: number;
  streams: Stream[];
  metrics: RelayMetrics;
  onPlaylistRequest?: ((client: PlaylistClient, stream: string) => void) | undefined;
  logger: Logger;
}

/**
 * Serves the app on the public address. With workers, this process listens
 * on a private Unix socket instead (in a fresh 0700 temp folder) and the edge
 * workers share the public port; `server` is still the one to attach
 * WebSocket upgrades to.
 */
export async function serveHttp(app: HttpApp, o: ServeOptions): Promise<Listening> {
  if (o.workers <= 0) return listen(app, o.host, o.port);
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-'));
  const socketPath = join(dir, 'main.sock');
  const server = makeServer(app);
  const inner = proxiedListener(server);
  await new Promise<void>((resolve, reject) => {
    inner.once('error', reject);
    inner.listen(socketPath, () => resolve());
  });
  try {
    const pool = await startEdgePool({ ...o, count: o.workers, socketPath });
    const shownHost = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host;
    return {
      server,
      port: pool.port,
      url: `http://${shownHost}:${pool.port}`,
      close: async () => {
        await pool.close();
        await new Promise<void>((done) => {
          inner.close(() => done());
          server.closeAllConnections();
        });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    inner.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
