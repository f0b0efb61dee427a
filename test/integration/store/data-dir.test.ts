// The data dir on a real disk: the atomic write, and the temp files an
// interrupted write leaves, removed at start (by the module and by sharecast).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataDir } from '../../../src/store/data-dir.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { makeDataDir, removeDataDir, startChatServer } from '../../helpers/chat-server.js';

describe('data dir', () => {
  it('replaces a file atomically with its mode, creating its folder, leaving no temp file', async (t) => {
    const root = makeDataDir();
    t.after(() => removeDataDir(root));
    const d = new DataDir(join(root, 'new'));
    await d.file('chatSecret').write('one\n');
    await d.file('chatSecret').write('two\n');
    assert.equal(readFileSync(join(root, 'new', 'chat', 'secret'), 'utf8'), 'two\n');
    assert.equal(statSync(join(root, 'new', 'chat', 'secret')).mode & 0o777, 0o600);
    d.streamState('live').writeSync('{"n":1}\n');
    assert.equal(d.streamState('live').readTextSync(), '{"n":1}\n');
    assert.deepEqual(readdirSync(join(root, 'new', 'chat')), ['secret']);
    assert.deepEqual(readdirSync(join(root, 'new', 'streams')), ['live.json']);
    assert.equal(await d.file('title').read(), undefined, 'a missing file reads as undefined');
  });

  it('removes the temp files interrupted writes left, and nothing else', async (t) => {
    const root = makeDataDir();
    t.after(() => removeDataDir(root));
    mkdirSync(join(root, 'chat'));
    mkdirSync(join(root, 'streams'));
    const stale = [
      '.title.json.4242.lx2k9q.tmp', // a title write cut short (earlier versions' name)
      '.admin-token.7.1a2b3c4d.tmp',
      'offline-image.0badf00d.tmp', // the offline image's old temp name
      'chat/.bans.json.9.deadbeef.tmp',
      'streams/live.json.tmp', // the sequence store's old temp name
      'streams/.live.json.12.00ff00ff.tmp',
    ];
    const kept = ['title.json', 'admin-token', 'notes.tmp', 'segment0.ts.tmp', 'chat/history.jsonl', 'streams/live.json', 'obs/.x.json.1.abc.tmp'];
    mkdirSync(join(root, 'obs'));
    for (const f of [...stale, ...kept]) writeFileSync(join(root, f), '');
    const removed = await new DataDir(root).prepare(nullLogger);
    assert.deepEqual(removed.map((p) => p.slice(root.length + 1)).sort(), [...stale].sort());
    for (const f of kept) assert.ok(statSync(join(root, f)).isFile(), `${f} kept`);
  });

  it('sharecast removes an empty .title.json temp file when it starts', async (t) => {
    const root = makeDataDir();
    writeFileSync(join(root, '.title.json.31337.lx2k9q.tmp'), '');
    writeFileSync(join(root, 'title.json'), `${JSON.stringify({ title: 'Saved title', configTitle: 'sharecast' })}\n`);
    const server = await startChatServer(root);
    t.after(async () => {
      await server.close();
      removeDataDir(root);
    });
    assert.ok(!readdirSync(root).some((f) => f.endsWith('.tmp')), `no temp file left: ${readdirSync(root).join(', ')}`);
    assert.equal((await server.json<{ title: string }>('/api/status')).title, 'Saved title', 'the real file is untouched');
  });
});
