// kill -9 loses no acknowledged chat message, and a torn last line is skipped.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { ChatClient, type Frame } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir, startChatServer, TEST_ADMIN_TOKEN, type ChatServer } from '../../helpers/chat-server.js';

/** The real sharecast process, from the TypeScript sources; resolves with its URL once it listens. */
function spawnSharecast(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/cli-entry.ts', '--listen', '127.0.0.1:0', '--data', dataDir, '--admin-token', TEST_ADMIN_TOKEN, '--source', 'demo', '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SHARECAST_TEST: '1' } },
  );
  child.stderr?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sharecast did not start within 30 s')), 30_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { url?: string; port?: number };
        if (typeof rec.url === 'string' && typeof rec.port === 'number') {
          clearTimeout(timer);
          resolve({ child, url: rec.url });
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`sharecast exited early with ${code}`)));
  });
}

describe('chat history and crashes', () => {
  const dataDir = makeDataDir();
  let child: ChildProcess | undefined;
  let server: ChatServer | undefined;
  const clients: ChatClient[] = [];
  after(async () => {
    child?.kill('SIGKILL');
    clients.forEach((c) => c.ws.terminate());
    await server?.close();
    removeDataDir(dataDir);
  });

  it('keeps every acknowledged message after kill -9, mid-burst', async () => {
    const proc = await spawnSharecast(dataDir);
    child = proc.child;
    const senders = await Promise.all(Array.from({ length: 8 }, () => ChatClient.connect(proc.url)));
    clients.push(...senders);
    // The sender hears its own message only after it is written and synced: that is the acknowledgement.
    const acked: Frame[] = [];
    const ackedAll = new Promise<void>((resolve) => {
      for (const s of senders) {
        s.ws.on('message', (data) => {
          const f = JSON.parse(data.toString()) as Frame;
          if (f.type === 'chat' && f['user']['id'] === s.user.id) {
            acked.push(f);
            if (acked.length === 12) {
              // Kill while the rest of the burst is still in flight.
              proc.child.kill('SIGKILL');
              resolve();
            }
          }
        });
      }
    });
    for (let round = 0; round < 3; round++) for (const [i, s] of senders.entries()) s.send({ type: 'chat', text: `burst ${i}.${round}` });
    await ackedAll;
    await new Promise((r) => proc.child.once('exit', r));
    child = undefined;
    assert.ok(acked.length >= 12);

    server = await startChatServer(dataDir);
    const { messages } = await server.json<{ messages: Frame[] }>('/api/chat');
    const byId = new Map(messages.map((m) => [m['id'], m]));
    for (const a of acked) assert.deepEqual(byId.get(a['id']), a, `acknowledged message ${a['text']} survived`);
    for (const m of messages) assert.match(m['text'], /^burst \d\.\d$/);
    await server.close();
    server = undefined;
  });

  it('skips a torn last line, and later messages are kept', async () => {
    const log = join(dataDir, 'chat', 'history.jsonl');
    const before = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length;
    appendFileSync(log, '{"type":"chat","id":"tornTornTorn","user":{"id":"abcdefghijkl","na');
    server = await startChatServer(dataDir);
    const { messages } = await server.json<{ messages: Frame[] }>('/api/chat');
    assert.ok(!messages.some((m) => m['id'] === 'tornTornTorn'));
    assert.ok(messages.length > 0, 'the rest of the history is there');
    const c = await ChatClient.connect(server.url);
    c.send({ type: 'chat', text: 'after the tear' });
    const mine = await c.nextOfType('chat');
    await c.close();
    await server.close();
    server = undefined;
    const lines = readFileSync(log, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the log ends with a newline');
    assert.equal(lines.length, before + 1, 'the torn line is gone; the new message is a whole line');
    for (const l of lines) JSON.parse(l);
    server = await startChatServer(dataDir);
    const again = await server.json<{ messages: Frame[] }>('/api/chat');
    assert.deepEqual(again.messages.at(-1), mine);
  });
});
