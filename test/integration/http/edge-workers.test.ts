// --workers: edge processes share the public port, answer /hls from a replica
// of the main process's live window, and pass everything else (API, page,
// chat WebSocket, misses) to the main process with the client's address.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ChatClient } from '../../helpers/chat-client.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { sha1 } from '../../helpers/relay-watcher.js';
import { waitFor } from '../../helpers/wait.js';

/** GET from a chosen loopback address, so the server sees "another machine". */
function getFrom(url: string, localAddress: string, userAgent: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { localAddress, headers: { 'User-Agent': userAgent } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('edge workers (--workers 2)', () => {
  let relay: Relay;
  before(async () => {
    relay = await startRelay(['--source', 'demo', '--workers', '2']);
    await waitFor('demo playlist through the workers', async () => ((await relay.playlist())?.segments.length ?? 0) >= 2, 20_000);
  });
  after(async () => relay?.stop());

  test('playlist and segments through the workers are the main process’s bytes', async () => {
    const main = relay.streams.get('live');
    assert.ok(main);
    for (let i = 0; i < 6; i++) {
      const pl = await relay.playlist();
      assert.ok(pl);
      for (const seg of pl.segments) {
        const res = await relay.get(`/hls/live/${seg.uri}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        if (res.status === 404) continue; // left the window between the two requests
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        const own = main.lookup(seg.uri);
        if (own) assert.equal(sha1(bytes), sha1(own.bytes));
      }
    }
  });

  test('misses, the API, the page and unknown paths are answered by the main process', async () => {
    const unknown = await relay.get('/hls/nope/index.m3u8');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'not_found');
    const status = await relay.get('/api/status');
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { online: boolean }).online, true);
    const page = await relay.get('/');
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    const admin = await relay.get('/api/admin/chat/disable', { method: 'POST' });
    assert.equal(admin.status, 401);
    await admin.arrayBuffer();
  });

  test('a bare player counted through a worker is listed with its own address', async () => {
    const url = `${relay.url}/hls/live/index.m3u8`.replace('localhost', '127.0.0.1');
    const r = await getFrom(url, '127.0.0.77', 'VLC/3.0.20 LibVLC/3.0.20');
    assert.equal(r.status, 200);
    const viewers = await waitFor('the player in /api/viewers', async () => {
      const v = (await (await relay.get('/api/viewers')).json()) as { count: number; viewers: Array<{ id: string; name: string | null }> };
      return v.count >= 1 ? v : undefined;
    }, 10_000);
    assert.ok(viewers.count >= 1);
  });

  test('a ban by address through a worker hits the client, not the worker', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const token = readFileSync(join(relay.dataDir, 'admin-token'), 'utf8').trim();
    const base = relay.url.replace('localhost', '127.0.0.1');
    const bad = await ChatClient.connect(base, { localAddress: '127.0.0.66' });
    const ban = await relay.get('/api/admin/chat/ban', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: bad.user.id }),
    });
    assert.equal(ban.status, 200);
    await ban.arrayBuffer();
    await bad.closed;
    const sameMachine = await ChatClient.open(base, { localAddress: '127.0.0.66' });
    assert.equal((await sameMachine.nextOfType('error'))['code'], 'banned', 'a new token from the banned address is refused');
    await sameMachine.closed;
    const otherMachine = await ChatClient.connect(base, { localAddress: '127.0.0.67' });
    assert.notEqual(otherMachine.user.id, bad.user.id, 'another address (same worker port) still chats');
    await otherMachine.close();
  });

  test('the chat WebSocket works through a worker', async () => {
    const a = await ChatClient.connect(relay.url.replace('localhost', '127.0.0.1'));
    try {
      assert.equal(typeof a.user.name, 'string');
      a.ws.send(JSON.stringify({ type: 'chat', text: 'hello through the edge' }));
      const echoed = await a.next((f) => f.type === 'chat' && f['text'] === 'hello through the edge');
      assert.equal(echoed['user'].id, a.user.id);
    } finally {
      a.ws.close();
    }
  });
});
