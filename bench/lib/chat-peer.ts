// The peer of bench:chat: a bare `ws` server, the way a plain Node chat would
// broadcast (ws.send to every client, no history, no disk, no limits), in a
// process of its own. It speaks just enough of sharecast's /ws protocol for the
// bench's clients: a welcome frame on connect, each chat frame sent back to all.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = createServer((_req, res) => res.end());
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
const WELCOME = JSON.stringify({ type: 'welcome' });
wss.on('connection', (ws) => {
  ws.send(WELCOME);
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as { type?: string; text?: string };
    if (f.type !== 'chat') return;
    const frame = JSON.stringify({ type: 'chat', text: f.text });
    for (const c of wss.clients) c.send(frame);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
