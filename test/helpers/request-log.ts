import { createServer, request, type Server } from 'node:http';

/** One request a client made through the log, and how it was answered. */
export interface LoggedRequest {
  path: string;
  status: number;
  at: number;
}

export interface RequestLog {
  port: number;
  /** The base URL to give the client instead of the relay's. */
  url: string;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

/**
 * A plain HTTP reverse proxy on 127.0.0.1 in front of a server on
 * 127.0.0.1:targetPort that notes every request: one per player that is not
 * a browser (VLC, mpv, ffmpeg), so a test can tell what each one fetched and
 * when.
 */
export async function startRequestLog(targetPort: number): Promise<RequestLog> {
  const requests: LoggedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const upstream = request({ host: '127.0.0.1', port: targetPort, path, method: req.method, headers: req.headers }, (up) => {
      requests.push({ path, status: up.statusCode ?? 0, at: Date.now() });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      requests.push({ path, status: 502, at: Date.now() });
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
