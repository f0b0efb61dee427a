import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log/logger.js';
import type { RelayMetrics } from '../../metrics/relay-metrics.js';
import type { Stream } from '../../stream/stream.js';
import type { PlaylistClient } from '../hls-handler.js';
import type { FromEdge, ToEdge } from './edge-messages.js';

export interface EdgePoolOptions {
  count: number;
  host: string;
  port: number;
  /** The main process's private socket, where workers pass what they do not answer. */
  socketPath: string;
  streams: Stream[];
  metrics: RelayMetrics;
  onPlaylistRequest?: ((client: PlaylistClient, stream: string) => void) | undefined;
  logger: Logger;
}

export interface EdgePool {
  port: number;
  close(): Promise<void>;
}

/** The worker's entry, next to this file: .js when built, .ts under tsx. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const ts = join(dirname(here), 'edge-worker.ts');
  return here.endsWith('.ts') && existsSync(ts) ? ts : join(dirname(here), 'edge-worker.js');
}

/**
 * Starts `count` edge workers (node:cluster) sharing the public port. The main
 * process keeps ingest, chat and the API; each worker answers /hls from a
 * replica that this pool keeps current, and passes everything else back.
 */
export async function startEdgePool(o: EdgePoolOptions): Promise<EdgePool> {
  cluster.setupPrimary({
    exec: workerFile(),
    args: ['--socket', o.socketPath, '--host', o.host, '--port', String(o.port)],
    serialization: 'advanced',
  });
  const workers = new Set<Worker>();
  let closing = false;
  const send = (w: Worker, m: ToEdge) => {
    if (w.isConnected()) w.send(m);
  };
  const broadcast = (m: ToEdge) => {
    for (const w of workers) send(w, m);
  };
  const unsubscribe = o.streams.map((s) => s.observe(broadcast));

  const onMessage = (m: FromEdge) => {
    if (m?.type !== 'tally') return;
    for (const [[route, status], n] of m.requests) o.metrics.requests.inc({ route, status }, n);
    for (const [[stream, kind], n] of m.bytes) o.metrics.bytesServed.inc({ stream, kind }, n);
    for (const [ip, userAgent, stream] of m.playlistClients) o.onPlaylistRequest?.({ ip, userAgent: userAgent === '' ? undefined : userAgent }, stream);
  };

  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      workers.add(w);
      w.on('message', onMessage);
      w.once('online', () => {
        send(w, { type: 'streams', names: o.streams.map((s) => s.name) });
        // The current state: observe() replays it synchronously, then we stop listening.
        for (const s of o.streams) s.observe((m) => send(w, m))();
      });
      w.once('listening', (addr: AddressInfo | { port: number }) => resolve(addr.port));
      w.once('exit', (code, signal) => {
        workers.delete(w);
        if (closing) return;
        o.logger.error({ code, signal }, 'an edge worker died; starting another');
        setTimeout(() => void fork().catch(() => undefined), 1000).unref();
        reject(new Error(`edge worker exited (${code ?? signal})`));
      });
    });

  const ports = await Promise.all(Array.from({ length: o.count }, fork));
  o.logger.info({ workers: o.count }, `${o.count} edge worker(s) serving /hls`);
  return {
    port: ports[0] ?? o.port,
    close: async () => {
      closing = true;
      unsubscribe.forEach((off) => off());
      await Promise.all(
        [...workers].map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.kill('SIGTERM');
              setTimeout(() => {
                w.process.kill('SIGKILL');
                resolve();
              }, 3000).unref();
            }),
        ),
      );
    },
  };
}
