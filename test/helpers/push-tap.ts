import { createHash } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request ffmpeg sent, as the tap saw it pass. */
export interface TappedUpload {
  method: string;
  /** The file, below /ingest/NAME/KEY/. */
  file: string;
  startedAt: number;
  /** When its last byte was passed on to sharecast (performance.now()); undefined while it is still coming or when it broke off. */
  endedAt?: number;
  size: number;
  /** Set once complete. */
  sha1?: string;
  /** sharecast's answer. */
  status?: number;
  /** ffmpeg went away before the tap passed the whole body on. */
  brokeOff: boolean;
  /** The bytes passed on (kept for segments, to compare with what the relay serves). */
  bytes: Buffer[];
}

export interface PushTap {
  /** The base URL to give ffmpeg instead of sharecast's: http://127.0.0.1:PORT. */
  url: string;
  uploads: TappedUpload[];
  /** Complete PUT/POST bodies by content hash. */
  completeHashes(): Set<string>;
  close(): Promise<void>;
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/**
 * A recording pass-through between ffmpeg and sharecast (on loopback): every
 * request is forwarded as it comes (chunk by chunk, so chunked uploads stay
 * chunked), and the tap notes each upload's bytes, content hash, and when
 * its last byte went on. `bytesPerSecond` slows the bodies down, so that a
 * kill -9 of ffmpeg lands in the middle of an upload. When ffmpeg's side
 * breaks off, the tap breaks off its request to sharecast too.
 */
export async function startPushTap(upstream: string, o: { bytesPerSecond?: number } = {}): Promise<PushTap> {
  const up = new URL(upstream);
  const uploads: TappedUpload[] = [];
  // One upstream connection per ffmpeg connection, like ffmpeg's own persistent one. A request ffmpeg
  // sends and then hangs up on (its DELETEs) still reaches sharecast: the agent goes a moment later.
  const agents = new WeakMap<Socket, Agent>();
  const all = new Set<Agent>();
  const agentFor = (s: Socket) => {
    let a = agents.get(s);
    if (!a) {
      a = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.set(s, a);
      all.add(a);
      const agent = a;
      s.once('close', () => setTimeout(() => (agent.destroy(), all.delete(agent)), 2000).unref());
    }
    return a;
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const entry: TappedUpload = { method: req.method ?? '', file: path.split('/').slice(4).join('/'), startedAt: performance.now(), size: 0, brokeOff: false, bytes: [] };
    uploads.push(entry);
    const headers = { ...req.headers, host: up.host };
    const out = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent: agentFor(req.socket) }, (upRes) => {
      entry.status = upRes.statusCode;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    out.on('error', () => res.destroy());
    let queue = Promise.resolve();
    const rate = o.bytesPerSecond;
    req.on('data', (chunk: Buffer) => {
      entry.bytes.push(chunk);
      queue = queue.then(async () => {
        if (rate === undefined) {
          out.write(chunk);
          entry.size += chunk.byteLength;
          return;
        }
        // Slowed down: 1 KiB at a time.
        for (let i = 0; i < chunk.byteLength; i += 1024) {
          if (entry.brokeOff) return;
          const piece = chunk.subarray(i, i + 1024);
          out.write(piece);
          entry.size += piece.byteLength;
          await new Promise((r) => setTimeout(r, (piece.byteLength / rate) * 1000));
        }
      });
    });
    req.on('end', () => {
      queue = queue.then(() => {
        if (entry.brokeOff) return;
        out.end();
        entry.endedAt = performance.now();
        entry.sha1 = sha1(Buffer.concat(entry.bytes));
        req.socket.off('close', cut);
      });
    });
    // ffmpeg went away (killed) before the tap passed its whole body on: what was still to pass is lost,
    // as the bytes in flight on a slow uplink would be, and sharecast sees the upload break off.
    const cut = () => {
      if (entry.endedAt !== undefined || entry.brokeOff) return;
      entry.brokeOff = true;
      out.destroy();
    };
    req.on('close', () => {
      if (!req.complete) cut();
    });
    req.socket.once('close', cut);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    completeHashes: () => new Set(uploads.filter((u) => u.sha1 !== undefined && u.method !== 'DELETE').map((u) => u.sha1 as string)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const a of all) a.destroy();
      }),
  };
}
