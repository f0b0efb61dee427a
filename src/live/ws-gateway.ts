import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocketServer, WebSocket } from 'ws';
import type { ChatConn, ChatHub, ChatTransport } from '../chat/chat-hub.js';
import { errorFrame, refusal } from '../chat/protocol.js';
import { ErrorCode, SharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DEFAULT_FRAME_BUDGET, FrameReader, type FrameBudget } from './frame-reader.js';
import type { PageChannel } from './page-channel.js';
import { CloseCode, parseClientFrame, welcomeBytes, type ServerFrame } from './protocol.js';
import { SlicedQueue } from './sliced-queue.js';

export interface LiveGatewayOptions {
  hub: ChatHub;
  page: PageChannel;
  logger: Logger;
  /** Sockets accepted at most; more are refused with too_many_connections and 1013. */
  maxConnections: number;
  /** The path WebSocket upgrades are accepted on. */
  path?: string;
  /** Largest frame a client may send (bytes); bigger ones close the socket with 1009. */
  maxPayload?: number;
  /** Sockets that have shown no sign of life (frame or pong) for this long are dropped; pings go out this often. */
  heartbeatMs?: number;
  /** A socket with more than this many bytes waiting to be sent is too slow: dropped. */
  maxBufferedBytes?: number;
  /** How many frames of any kind one socket may send (see FrameReader). */
  frameBudget?: FrameBudget;
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

const PONG = Buffer.from(JSON.stringify({ type: 'pong' } satisfies ServerFrame));

/** What a socket sent: a text frame, a binary frame, or a control frame (ping, pong). */
type Incoming = { kind: 'text'; data: Buffer } | { kind: 'binary' } | { kind: 'control' };

/**
 * The heartbeat goes round in this many slices: each tick (heartbeatMs / this)
 * pings one slice of the sockets, so every socket is still pinged once per
 * heartbeatMs, but thousands of pings (and their pongs) never go out in one
 * burst that a chat broadcast would have to wait behind.
 */
const HEARTBEAT_SLICES = 10;

interface SocketState {
  ws: WebSocket;
  alive: boolean;
  /** Which heartbeat slice pings this socket. */
  slice: number;
  conn: ChatConn | undefined;
  transport: ChatTransport;
  reader: FrameReader<Incoming>;
}

export interface LiveGateway {
  /** Sockets open now. */
  readonly sockets: number;
  /** Closes every socket (1001) and stops the heartbeat. */
  close(): void;
}

/**
 * The WebSocket side of the page's live channel: shares the HTTP server
 * (noServer + handleUpgrade on /ws), reads the viewer token from ?token=,
 * and wraps each socket in one transport for both the chat and the page
 * channel, with bounded send buffers, a heartbeat that drops dead sockets,
 * and a frame budget per socket (FrameReader) so that no client, whatever
 * it sends, takes more than its share of the event loop.
 */
export function attachLiveGateway(server: Server, o: LiveGatewayOptions): LiveGateway {
  const path = o.path ?? '/ws';
  const maxBuffered = o.maxBufferedBytes ?? 64 * 1024;
  const budget = o.frameBudget ?? DEFAULT_FRAME_BUDGET;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload ?? 8 * 1024,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const sockets = new Set<SocketState>();
  let opened = 0;
  // Upgrades (handshake, chat identity, welcome) run a slice at a time, so a storm of
  // connections never keeps the process from reading the sockets already open.
  const upgrades = new SlicedQueue();

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
    upgrades.push(() => wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, socket, req, url)));
  };

  const transportFor = (ws: WebSocket, socket: Duplex): ChatTransport => ({
    send(frame) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        o.logger.debug({ buffered: ws.bufferedAmount }, 'live: dropping a socket that does not keep up');
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
  });

  const send = (t: ChatTransport, frame: ServerFrame) => t.send(Buffer.from(JSON.stringify(frame)));

  const onFrame = (state: SocketState, frame: Incoming, at: number) => {
    const conn = state.conn;
    if (!conn || frame.kind === 'control') return;
    if (frame.kind === 'binary') {
      send(state.transport, errorFrame(new SharecastError(ErrorCode.Invalid, 'frames are JSON text, not binary')));
      return;
    }
    let parsed;
    try {
      parsed = parseClientFrame(frame.data.toString('utf8'));
    } catch (err) {
      send(state.transport, errorFrame(err));
      return;
    }
    if (parsed.type === 'ping') state.transport.send(PONG);
    else o.hub.receive(conn, parsed, at);
  };

  const onSocket = (ws: WebSocket, socket: Duplex, req: IncomingMessage, url: URL) => {
    const transport = transportFor(ws, socket);
    const state: SocketState = {
      ws,
      alive: true,
      slice: opened++ % HEARTBEAT_SLICES,
      conn: undefined,
      transport,
      reader: new FrameReader<Incoming>({
        budget,
        handle: (frame, at) => onFrame(state, frame, at),
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        cut: () => {
          o.logger.debug({ ip: req.socket.remoteAddress }, 'live: cutting a socket that floods frames');
          send(transport, refusal(ErrorCode.RateLimited, 'too many frames; slow down'));
          transport.close(CloseCode.TooManyFrames, 'too many frames');
          // Read again so the close handshake can finish; the closed reader drops whatever else comes.
          ws.resume();
        },
      }),
    };
    sockets.add(state);
    ws.on('error', (err) => o.logger.debug({ err: err.message }, 'live: socket error'));
    ws.on('close', () => {
      sockets.delete(state);
      state.reader.close();
      if (state.conn) {
        o.page.leave(transport);
        o.hub.disconnect(state.conn);
      }
    });
    const alive = () => {
      state.alive = true;
    };
    ws.on('pong', () => {
      alive();
      state.reader.push({ kind: 'control' });
    });
    ws.on('ping', () => {
      alive();
      state.reader.push({ kind: 'control' });
    });
    ws.on('message', (data, isBinary) => {
      alive();
      state.reader.push(isBinary ? { kind: 'binary' } : { kind: 'text', data: Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]) });
    });
    if (sockets.size > o.maxConnections) {
      send(transport, refusal(ErrorCode.TooManyConnections, 'the server has too many viewers right now; try again later'));
      transport.close(CloseCode.TryAgainLater, ErrorCode.TooManyConnections);
      return;
    }
    const token = url.searchParams.get('token') ?? undefined;
    const joined = o.hub.connect({ token, ip: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] }, transport);
    if (!joined) return;
    state.conn = joined.conn;
    // The welcome first, then every broadcast.
    transport.send(welcomeBytes(joined.welcome, o.page.welcome()));
    o.page.join(transport);
  };

  server.on('upgrade', onUpgrade);

  let tick = 0;
  const heartbeat = setInterval(() => {
    const slice = tick++ % HEARTBEAT_SLICES;
    for (const s of sockets) {
      if (s.slice !== slice) continue;
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      if (s.ws.readyState === WebSocket.OPEN) s.ws.ping();
    }
  }, (o.heartbeatMs ?? 10_000) / HEARTBEAT_SLICES);
  heartbeat.unref();

  return {
    get sockets() {
      return sockets.size;
    },
    close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      upgrades.clear();
      for (const s of sockets) {
        s.reader.close();
        s.transport.close(CloseCode.GoingAway, 'server shutting down');
        s.ws.terminate();
      }
      sockets.clear();
      wss.close();
    },
  };
}
