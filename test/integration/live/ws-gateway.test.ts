// The WebSocket gateway of the page's live channel, with small limits: heartbeat drops dead
// sockets, slow readers are cut off instead of buffered, connections are capped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { ChatClient } from '../../helpers/chat-client.js';
import { startGateway } from '../../helpers/chat-gateway.js';
import { waitFor } from '../../helpers/wait.js';

const setup = startGateway;

describe('live gateway limits', () => {
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
      s.page.broadcast({ type: 'system', text: big, at: new Date().toISOString() });
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
