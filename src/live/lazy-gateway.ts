import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LiveGateway, LiveGatewayOptions } from './ws-gateway.js';

/**
 * The live gateway (ws-gateway.ts, and the ws package under it) loaded on the
 * first WebSocket upgrade instead of at start: a server nobody has opened the
 * page of yet never holds it (bench:memory). The first upgrade waits for the
 * import, then goes to the real gateway as if it had been there all along.
 */
export function attachLazyLiveGateway(server: Server, o: LiveGatewayOptions): LiveGateway {
  let gateway: LiveGateway | undefined;
  let closed = false;
  let loading: Promise<void> | undefined;
  const waiting: Array<[IncomingMessage, Duplex, Buffer]> = [];

  const onFirstUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    waiting.push([req, socket, head]);
    loading ??= import('./ws-gateway.js').then(
      ({ attachLiveGateway }) => {
        server.off('upgrade', onFirstUpgrade);
        if (closed) {
          for (const [, s] of waiting.splice(0)) s.destroy();
          return;
        }
        gateway = attachLiveGateway(server, o);
        // Hand what came meanwhile to the gateway's own listener.
        for (const [q, s, h] of waiting.splice(0)) if (!s.destroyed) server.emit('upgrade', q, s, h);
      },
      (err: unknown) => {
        o.logger.error({ err: (err as Error).message }, 'live: cannot load the WebSocket gateway');
        for (const [, s] of waiting.splice(0)) s.destroy();
        loading = undefined;
      },
    );
  };
  server.on('upgrade', onFirstUpgrade);

  return {
    get sockets() {
      return gateway?.sockets ?? 0;
    },
    close() {
      closed = true;
      server.off('upgrade', onFirstUpgrade);
      for (const [, s] of waiting.splice(0)) s.destroy();
      gateway?.close();
    },
  };
}
