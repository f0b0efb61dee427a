// An edge worker: a second (third…) process that answers /hls from a replica
// of the main process's live window, and passes every other request, and any
// miss, to the main process over its private socket. Started by edge-pool.ts
// through node:cluster, so all workers share the public port.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { ErrorCode, SharecastError } from '../../errors.js';
import { writeJsonError } from '../error-response.js';
import { createHlsHandler } from '../hls-handler.js';
import { applyServerTimeouts, corsHeadersFor } from '../http-policy.js';
import type { FromEdge, ToEdge } from './edge-messages.js';
import { EdgeReplica } from './edge-replica.js';
import { HlsTally } from '../../metrics/hls-tally.js';
import { proxyLine } from './proxy-header.js';

const { values } = parseArgs({
  options: { socket: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  strict: true,
});
const socketPath = values.socket ?? '';
const replica = new EdgeReplica();
process.on('message', (m: ToEdge) => replica.apply(m));

// Tallies for the main process's metrics and viewer presence, sent once a second.
const tally = new HlsTally();
const playlistClients = new Map<string, [string, string, string]>();
setInterval(() => {
  if (tally.empty && playlistClients.size === 0) return;
  const msg: FromEdge = { type: 'tally', requests: tally.drainRequests(), bytes: tally.drainBytes(), playlistClients: [...playlistClients.values()] };
  playlistClients.clear();
  process.send?.(msg);
}, 1000).unref();

const hls = createHlsHandler({
  streams: replica,
  passMisses: true,
  metrics: tally,
  onPlaylistRequest: (c, stream) => playlistClients.set(`${c.ip}\t${c.userAgent ?? ''}`, [c.ip, c.userAgent ?? '', stream]),
});

/** One upstream connection per client connection, opened with the client's address in a PROXY line. */
const agents = new WeakMap<Socket, Agent>();
function agentFor(client: Socket): Agent {
  let agent = agents.get(client);
  if (!agent) {
    const a = new Agent({ keepAlive: true, maxSockets: 1 });
    a.createConnection = () => {
      const upstream = connect(socketPath);
      upstream.write(proxyLine(client));
      return upstream;
    };
    agents.set(client, a);
    client.once('close', () => a.destroy());
    agent = a;
  }
  return agent;
}

function pass(req: IncomingMessage, res: ServerResponse): void {
  const up = request({ agent: agentFor(req.socket), method: req.method, path: req.url, headers: req.headers }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) {
      // The main process is restarting: a short, retryable answer (hls.js retries 5xx, not 404).
      writeJsonError(res, new SharecastError(ErrorCode.SourceUnavailable, 'the server is restarting'), { ...corsHeadersFor(req.url), 'Retry-After': '1' });
    } else res.destroy();
  });
  req.pipe(up);
}

const server = applyServerTimeouts(
  createServer((req, res) => {
    if (!hls(req, res)) pass(req, res);
  }),
);
server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
  const upstream = connect(socketPath);
  upstream.write(proxyLine(client));
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  const close = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on('error', close);
  client.on('error', close);
  upstream.on('close', close);
  client.on('close', close);
});
server.listen(Number(values.port ?? 0), values.host ?? '0.0.0.0');
