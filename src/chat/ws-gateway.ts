import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from '../log/logger.js';
import type { ChatConn, ChatHub, ChatTransport } from './chat-hub.js';

export interface ChatGatewayOptions {
  hub: ChatHub;
  logger: Logger;
  /** The path WebSocket upgrades are accepted on. */
  path?: string;
  /** Largest frame a client may send (bytes); bigger ones close the socket with 1009. */
  maxPayload?: number;
  /** Sockets that have shown no sign of life (frame or pong) for this long are dropped; pings go out this often. */
  heartbeatMs?: number;
  /** A socket with more than this many bytes waiting to be sent is too slow: dropped. */
  maxBufferedBytes?: number;
}

/** ws's frame builder (a named export of ws, missing from its type definitions). */
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] } }).Sender;
if (typeof Sender?.frame !== 'function') throw new Error('ws no longer exports Sender.frame');

/**
 * A text frame as it goes on the wire, built once per payload and reused for
 * every socket a broadcast reaches (the payload Buffer is the key).
 */
const wireFrames = new WeakMap<Buffer, Buffer>();
function wireFrame(payload: Buffer): Buffer {
  let frame = wireFrames.get(payload);
  if (!frame) {
    frame = Buffer.concat(Sender.frame(payload, { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false }));
    wireFrames.set(payload, frame);
  }
  return frame;
}

interface SocketState {
  ws: WebSocket;
  alive: boolean;
  conn: ChatConn | undefined;
}

export interface ChatGateway {
  /** Closes every socket and stops the heartbeat. */
  close(): void;
}

/**
 * The WebSocket side of the chat: shares the HTTP server (noServer +
 * handleUpgrade on /ws), reads the viewer token from ?token=, and wraps each
 * socket in a transport for the hub with bounded send buffers and a
 * heartbeat that drops dead sockets.
 */
export function attachChatGateway(server: Server, o: ChatGatewayOptions): ChatGateway {
  const path = o.path ?? '/ws';
  const maxBuffered = o.maxBufferedBytes ?? 64 * 1024;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload ?? 8 * 1024,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const sockets = new Set<SocketState>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    if (url.pathname !== path || req.method !== 'GET') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, socket, req, url));
  };

  const onSocket = (ws: WebSocket, socket: Duplex, req: IncomingMessage, url: URL) => {
    const state: SocketState = { ws, alive: true, conn: undefined };
    sockets.add(state);
    const transport: ChatTransport = {
      send(frame) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          o.logger.debug({ buffered: ws.bufferedAmount }, 'chat: dropping a socket that does not keep up');
          ws.terminate();
          return;
        }
        // One write of a frame built once per broadcast, straight to the socket ws
        // writes to (no compression, so ws never holds frames back): a broadcast
        // to thousands of sockets costs one syscall each and no per-socket framing.
        socket.write(wireFrame(frame));
      },
      close(code, reason) {
        if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
        // A peer that never answers the close handshake is cut off.
        setTimeout(() => ws.terminate(), 2000).unref();
      },
    };
    ws.on('error', (err) => o.logger.debug({ err: err.message }, 'chat: socket error'));
    ws.on('close', () => {
      sockets.delete(state);
      if (state.conn) o.hub.disconnect(state.conn);
    });
    ws.on('pong', () => {
      state.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      state.alive = true;
      if (!state.conn) return;
      if (isBinary) o.hub.reject(state.conn, 'frames are JSON text, not binary');
      else o.hub.receive(state.conn, Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    const token = url.searchParams.get('token') ?? undefined;
    state.conn = o.hub.connect({ token, ip: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] }, transport);
  };

  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const s of sockets) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      if (s.ws.readyState === WebSocket.OPEN) s.ws.ping();
    }
  }, o.heartbeatMs ?? 10_000);
  heartbeat.unref();

  return {
    close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const s of sockets) s.ws.terminate();
      sockets.clear();
      wss.close();
    },
  };
}
