// A client that floods the live channel, with any kind of frame, is throttled
// and then cut; a good client's messages still arrive and are never rate-limited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { ChatClient } from '../../helpers/chat-client.js';
import { startGateway } from '../../helpers/chat-gateway.js';
import { sleep } from '../../helpers/wait.js';

/** Sends `frame` as fast as the socket takes it until it closes or `stop()` is called; counts what comes back. */
function flood(ws: WebSocket, send: () => void): { stop(): void; received: () => number } {
  let received = 0;
  let stopped = false;
  ws.on('message', () => received++);
  const pump = () => {
    for (let i = 0; i < 200 && !stopped && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 1 << 20; i++) send();
    if (!stopped && ws.readyState === WebSocket.OPEN) setImmediate(pump);
  };
  pump();
  return {
    stop: () => {
      stopped = true;
    },
    received: () => received,
  };
}

describe('a flooding client', () => {
  it('sending pings as fast as it can (and reading the pongs) is cut with 1008, while a good client chats on', async (t) => {
    const s = await startGateway();
    t.after(() => s.stop());
    const good = await ChatClient.connect(s.url);
    const bad = await ChatClient.connect(s.url);
    const f = flood(bad.ws, () => bad.ws.send('{"type":"ping"}'));
    const closed = await bad.closed;
    f.stop();
    assert.equal(closed.code, 1008, 'closed as a policy violation');
    const error = bad.frames.find((x) => x.type === 'error');
    assert.equal(error?.['code'], 'rate_limited', 'told why before the close');
    const pongs = bad.frames.filter((x) => x.type === 'pong').length;
    assert.ok(pongs <= 40, `answered at most its budget (${pongs} pongs)`);

    for (let i = 0; i < 3; i++) {
      good.send({ type: 'chat', text: `paced ${i}`, ref: `m${i}` });
      assert.equal((await good.next((x) => x.type === 'chat' && x['text'] === `paced ${i}`))['user'].id, good.user.id);
      await sleep(800);
    }
    assert.ok(!good.frames.some((x) => x.type === 'error'), 'the good client was never refused');
    await good.close();
  });

  for (const [what, send] of [
    ['junk text', (ws: WebSocket) => ws.send('x')],
    ['binary frames', (ws: WebSocket) => ws.send(Buffer.from([1, 2, 3]))],
    ['WebSocket pings', (ws: WebSocket) => ws.ping()],
    ['renames', (ws: WebSocket) => ws.send('{"type":"rename","name":"Flood"}')],
  ] as const) {
    it(`sending ${what} is cut too`, async (t) => {
      const s = await startGateway();
      t.after(() => s.stop());
      const bad = await ChatClient.connect(s.url);
      const f = flood(bad.ws, () => send(bad.ws));
      const closed = await bad.closed;
      f.stop();
      assert.equal(closed.code, 1008);
    });
  }

  it('a burst within the budget is throttled, not cut: every frame is answered', async (t) => {
    const s = await startGateway({ frameBudget: { burst: 5, perSecond: 20, maxHeld: 50 } });
    t.after(() => s.stop());
    const c = await ChatClient.connect(s.url);
    for (let i = 0; i < 30; i++) c.send({ type: 'ping' });
    for (let i = 0; i < 30; i++) await c.nextOfType('pong');
    assert.equal(c.ws.readyState, WebSocket.OPEN, 'still connected');
    assert.ok(!c.frames.some((x) => x.type === 'error'));
    await c.close();
  });
});
