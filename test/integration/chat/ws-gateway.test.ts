// The WebSocket gateway's defences with small limits: heartbeat drops dead
// sockets, slow readers are cut off instead of buffered, connections are capped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ChatHub } from '../../../src/chat/chat-hub.js';
import { ViewerTokens } from '../../../src/chat/viewer-tokens.js';
import { attachChatGateway, type ChatGateway } from '../../../src/chat/ws-gateway.js';
import { SiteSettings } from '../../../src/site/site-settings.js';
import { StreamRegistry } from '../../../src/stream/stream-registry.js';
import { ViewerPresence } from '../../../src/viewers/viewer-presence.js';
import { ChatClient } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir } from '../../helpers/chat-server.js';
import { waitFor } from '../../helpers/wait.js';
import { nullLogger } from '../../fakes/null-logger.js';

interface Setup {
  url: string;
  hub: ChatHub;
  presence: ViewerPresence;
  stop(): Promise<void>;
}

const logger = nullLogger;
const dirs: string[] = [];

/** A chat hub and gateway on a plain HTTP server, with the limits given. */
async function setup(o: { heartbeatMs: number; maxConnections: number }): Promise<Setup> {
  const dataDir = makeDataDir();
  dirs.push(dataDir);
  const tokens = new ViewerTokens(randomBytes(32));
  const presence = new ViewerPresence({ playerId: (k) => tokens.keyedId('p-', k) });
  const hub = await ChatHub.open({
    dir: join(dataDir, 'chat'),
    logger,
    site: new SiteSettings({ title: 't' }),
    streams: new StreamRegistry(),
    presence,
    tokens,
    reservedNames: () => [],
    maxConnections: o.maxConnections,
  });
  const server: Server = createServer((_req, res) => res.end());
  const gateway: ChatGateway = attachChatGateway(server, { hub, logger, heartbeatMs: o.heartbeatMs, maxBufferedBytes: 64 * 1024 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hub,
    presence,
    stop: async () => {
      gateway.close();
      await hub.close();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('chat gateway limits', () => {
  after(() => dirs.forEach(removeDataDir));

  it('drops a socket that stops answering pings, and its viewer with it', async (t) => {
    const s = await setup({ heartbeatMs: 300, maxConnections: 100 });
    t.after(() => s.stop());
    const live = await ChatClient.connect(s.url);
    const deadWs = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, { autoPong: false });
    const closed = new Promise<number>((r) => deadWs.on('close', (code) => r(code)));
    await new Promise((r) => deadWs.once('open', r));
    await waitFor('two viewers', () => s.presence.count() === 2, 5000, 20);
    assert.equal(await closed, 1006, 'terminated, no close handshake');
    await waitFor('the dead viewer gone', () => s.presence.count() === 1, 5000, 20);
    assert.equal(live.ws.readyState, WebSocket.OPEN, 'a socket that answers pings stays');
    await live.close();
  });

  it('cuts off a socket that does not read instead of buffering for it', async (t) => {
    // A heartbeat far away: only the send buffer limit can drop the socket here.
    const s = await setup({ heartbeatMs: 600_000, maxConnections: 100 });
    t.after(() => s.stop());
    const reader = await ChatClient.connect(s.url);
    const slow = await ChatClient.connect(s.url);
    // Stop reading on the slow client: the kernel buffers fill, then the server's.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(256 * 1024);
    let sent = 0;
    for (; sent < 400 && s.hub.connections === 2; sent++) {
      s.hub.broadcast({ type: 'system', text: big, at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(s.hub.connections, 1, `the slow socket was dropped (after ${sent} frames of 256 KiB)`);
    assert.ok(sent > 1, 'not before its buffers filled');
    slow.ws.terminate(); // it is paused: it would never read the close
    assert.equal(reader.ws.readyState, WebSocket.OPEN, 'the reading one was not dropped');
    await reader.close();
  });

  it('refuses connections over the cap with too_many_connections and 1013', async (t) => {
    const s = await setup({ heartbeatMs: 600_000, maxConnections: 3 });
    t.after(() => s.stop());
    const held = await Promise.all([ChatClient.connect(s.url), ChatClient.connect(s.url), ChatClient.connect(s.url)]);
    const extra = await ChatClient.open(s.url);
    assert.equal((await extra.nextOfType('error'))['code'], 'too_many_connections');
    assert.equal((await extra.closed).code, 1013);
    await held[0]?.close();
    await waitFor('a free slot', () => s.hub.connections === 2, 5000, 20);
    const now = await ChatClient.connect(s.url);
    assert.ok(now.user.id);
    await Promise.all([...held.slice(1), now].map((c) => c.close()));
  });

  it('answers upgrades on other paths with 404', async (t) => {
    const s = await setup({ heartbeatMs: 600_000, maxConnections: 3 });
    t.after(() => s.stop());
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/elsewhere`);
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('error', reject);
    });
    assert.equal(status, 404);
  });
});
