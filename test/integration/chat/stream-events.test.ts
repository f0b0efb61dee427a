// Stream start and end reach the chat as system lines and status frames.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChatClient } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir, startChatServer, type ChatServer } from '../../helpers/chat-server.js';

function writePlaylist(folder: string, segments: number, ended: boolean): void {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < segments; i++) lines.push('#EXTINF:2.000000,', `demo${i}.ts`);
  if (ended) lines.push('#EXT-X-ENDLIST');
  writeFileSync(join(folder, 'index.m3u8.tmp'), `${lines.join('\n')}\n`);
  renameSync(join(folder, 'index.m3u8.tmp'), join(folder, 'index.m3u8'));
}

describe('stream events in chat', () => {
  const dataDir = makeDataDir();
  const obs = join(dataDir, 'obs');
  let server: ChatServer | undefined;
  let client: ChatClient | undefined;
  after(async () => {
    await client?.close();
    await server?.close();
    removeDataDir(dataDir);
  });

  it('tells everyone when the stream starts and ends', async () => {
    mkdirSync(obs);
    for (let i = 0; i < 4; i++) copyFileSync(join('fixtures', 'demo', `demo${i}.ts`), join(obs, `demo${i}.ts`));
    server = await startChatServer(dataDir, ['--source', `live=${join(obs, 'index.m3u8')}`, '--poll', '--poll-interval', '100']);
    const c = await ChatClient.connect(server.url);
    client = c;
    assert.equal(c.welcome['online'], false);

    writePlaylist(obs, 3, false);
    assert.deepEqual(await client.nextOfType('status', 15_000), { type: 'status', online: true });
    assert.equal((await client.nextOfType('system'))['text'], 'Stream started');

    writePlaylist(obs, 4, true);
    assert.deepEqual(await client.nextOfType('status', 15_000), { type: 'status', online: false });
    const ended = await client.nextOfType('system');
    assert.equal(ended['text'], 'Stream ended');
    assert.ok(!Number.isNaN(Date.parse(ended['at'])));
  });
});
