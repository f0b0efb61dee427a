// The gateway main.ts attaches (src/live/lazy-gateway.ts): ws and the gateway load on the first
// WebSocket upgrade, and whatever upgrades arrive meanwhile go to it as if it had been there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { ChatClient } from '../../helpers/chat-client.js';
import { startGateway } from '../../helpers/chat-gateway.js';

describe('live gateway loaded on the first upgrade', () => {
  it('welcomes sockets that open together before it has loaded, and later ones', async (t) => {
    const s = await startGateway({ lazy: true });
    t.after(() => s.stop());
    assert.equal(s.gateway.sockets, 0);
    const first = await Promise.all([1, 2, 3].map(() => ChatClient.connect(s.url)));
    assert.equal(new Set(first.map((c) => c.welcome.user.id)).size, 3, 'three viewers, each welcomed');
    assert.equal(s.gateway.sockets, 3);
    const later = await ChatClient.connect(s.url);
    assert.ok(later.welcome.user.id);
    for (const c of [...first, later]) await c.close();
  });

  it('answers 404 to an upgrade on another path, also as the very first one', async (t) => {
    const s = await startGateway({ lazy: true });
    t.after(() => s.stop());
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/elsewhere`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 404);
  });

  it('closes cleanly before any socket came', async () => {
    const s = await startGateway({ lazy: true });
    await s.stop();
  });
});
