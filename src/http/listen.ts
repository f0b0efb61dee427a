import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpApp } from './app.js';

export interface Listening {
  server: Server;
  port: number;
  /** http://HOST:PORT, with a loopback host when bound to all interfaces. */
  url: string;
  close(): Promise<void>;
}

/** The HTTP server for the app, with timeouts: keep-alive longer than typical proxies, slow headers and bodies capped (slowloris). */
export function makeServer(app: HttpApp): Server {
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}

/** Starts the HTTP server. Rejects with a clear message if the address is taken. */
export function listen(app: HttpApp, host: string, port: number): Promise<Listening> {
  const server = makeServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === 'EADDRINUSE' ? `listen: ${host}:${port} is already in use` : `listen: cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        port: addr.port,
        url: `http://${shownHost}:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
