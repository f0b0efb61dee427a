import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpApp } from './app.js';
import { applyServerTimeouts, displayUrl } from './http-policy.js';

export interface Listening {
  server: Server;
  port: number;
  /** http://HOST:PORT, with a loopback host when bound to all interfaces. */
  url: string;
  close(): Promise<void>;
}

/** The HTTP server for the app, with the timeouts of http-policy.ts. */
export function makeServer(app: HttpApp): Server {
  return applyServerTimeouts(createServer(app.callback()));
}

/** Stops accepting, then ends every open connection (keep-alive ones included) at once. */
export function closeServer(listener: { close(done: () => void): unknown }, server: Server): Promise<void> {
  return new Promise<void>((done) => {
    listener.close(() => done());
    server.closeAllConnections();
  });
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
      resolve({ server, port: addr.port, url: displayUrl(host, addr.port), close: () => closeServer(server, server) });
    });
  });
}
