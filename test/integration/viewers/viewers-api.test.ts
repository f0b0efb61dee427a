// GET /api/viewers and /api/status against the real server: pages and bare players.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatClient } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir, startChatServer, type ChatServer } from '../../helpers/chat-server.js';
import { waitFor } from '../../helpers/wait.js';

interface ViewersBody {
  count: number;
  viewers: { id: string; name: string | null; since: string; chatting: boolean }[];
}

describe('/api/viewers', () => {
  let server: ChatServer;
  let dataDir: string;
  before(async () => {
    dataDir = makeDataDir();
    server = await startChatServer(dataDir);
    await waitFor('the demo stream', async () => (await server.get('/hls/live/index.m3u8')).status === 200);
    // That request was a bare player too: let the test start from a clean count.
  });
  after(async () => {
    await server?.close();
    removeDataDir(dataDir);
  });

  const playlist = (ua: string) => server.get('/hls/live/index.m3u8', { headers: { 'User-Agent': ua } }).then((r) => r.arrayBuffer());
  const viewers = () => server.json<ViewersBody>('/api/viewers');

  it('counts players without the page from their playlist requests, without a chat name', async () => {
    const start = await viewers();
    await playlist('VLC/3.0.20 LibVLC/3.0.20');
    await playlist('VLC/3.0.20 LibVLC/3.0.20');
    await playlist('Lavf/60.16.100');
    const body = await viewers();
    assert.equal(body.count, start.count + 2, 'two players, however often they ask');
    const bare = body.viewers.filter((v) => !start.viewers.some((s) => s.id === v.id));
    assert.equal(bare.length, 2);
    for (const v of bare) {
      assert.equal(v.name, null);
      assert.equal(v.chatting, false);
      assert.ok(!v.id.includes('127.0.0.1') && !v.id.includes('VLC'), 'the id does not reveal address or agent');
    }
    assert.equal((await server.json<{ viewers: number }>('/api/status')).viewers, body.count);
  });

  it('counts a page viewer whose player also fetches the playlist once', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux) TestBrowser/1';
    const start = (await viewers()).count;
    const page = await ChatClient.connect(server.url, { userAgent: ua });
    await playlist(ua);
    await playlist(ua);
    const body = await viewers();
    assert.equal(body.count, start + 1);
    assert.equal(body.viewers.filter((v) => v.name === page.user.name).length, 1);
    await page.close();
    await waitFor('the page viewer gone', async () => (await viewers()).count === start);
  });

  it('forgets a bare player about 15 s after its last playlist request', { timeout: 40_000 }, async () => {
    await playlist('ffplay-expiry-test');
    const id = (await viewers()).viewers.at(-1)?.id;
    assert.ok((await viewers()).viewers.some((v) => v.id === id));
    const t0 = Date.now();
    await waitFor('the player to expire', async () => !(await viewers()).viewers.some((v) => v.id === id), 30_000, 500);
    const gone = Date.now() - t0;
    assert.ok(gone >= 13_000 && gone <= 20_000, `gone after ${gone} ms`);
  });
});
