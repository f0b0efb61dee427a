// The chat over real WebSockets against the real server: welcome, names,
// messages, renames, limits, history, and what the viewer list shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatClient } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir, startChatServer, type ChatServer } from '../../helpers/chat-server.js';
import { waitFor } from '../../helpers/wait.js';

/** The name with Latin letters swapped for the Cyrillic ones that look the same. */
function lookalike(name: string): string {
  const swapped = name.replace(/[aeopcxy]/g, (c) => ({ a: '\u0430', e: '\u0435', o: '\u043e', p: '\u0440', c: '\u0441', x: '\u0445', y: '\u0443' })[c] as string);
  assert.notEqual(swapped, name);
  return swapped;
}

describe('chat over /ws', () => {
  let server: ChatServer;
  let dataDir: string;
  const clients: ChatClient[] = [];
  const connect = async (o: Parameters<typeof ChatClient.connect>[1] = {}) => {
    const c = await ChatClient.connect(server.url, o);
    clients.push(c);
    return c;
  };

  before(async () => {
    dataDir = makeDataDir();
    server = await startChatServer(dataDir, ['--streamer-name', 'Streamy McStreamface']);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
    removeDataDir(dataDir);
  });

  it('welcomes a new viewer with an id, a generated name, a token and the state of things', async () => {
    const a = await connect();
    assert.match(a.user.id, /^[A-Za-z0-9_-]{12}$/);
    assert.match(a.user.name, /^[A-Z][a-z]+ [A-Z][a-z]+$/, 'adjective + animal');
    assert.equal(typeof a.token, 'string');
    assert.ok(Array.isArray(a.welcome['history']));
    assert.equal(a.welcome['chatEnabled'], true);
    assert.equal(typeof a.welcome['title'], 'string');
    assert.equal(typeof a.welcome['online'], 'boolean');
    assert.ok(a.welcome['viewers'] >= 1);
    await a.close();
  });

  it('gives a returning viewer the same id and name for their token, and a new token for an unknown one', async () => {
    const a = await connect();
    await a.close();
    const again = await connect({ token: a.token });
    assert.deepEqual(again.user, a.user);
    assert.equal(again.token, a.token);
    const forged = await connect({ token: `${a.token.slice(0, -2)}xx` });
    assert.notEqual(forged.user.id, a.user.id);
    assert.notEqual(forged.token, a.token);
    const junk = await connect({ token: 'not-a-token' });
    assert.notEqual(junk.user.id, a.user.id);
    await Promise.all([again.close(), forged.close(), junk.close()]);
  });

  it('lists two viewers with their generated names before either chats', async () => {
    const a = await connect({ userAgent: 'TabA/1.0' });
    const b = await connect({ userAgent: 'TabB/1.0' });
    assert.notEqual(a.user.name, b.user.name, 'names are unique among connected users');
    const body = await server.json<{ count: number; viewers: { id: string; name: string; since: string; chatting: boolean }[] }>('/api/viewers');
    const a1 = body.viewers.find((v) => v.id === a.user.id);
    const b1 = body.viewers.find((v) => v.id === b.user.id);
    assert.deepEqual({ name: a1?.name, chatting: a1?.chatting }, { name: a.user.name, chatting: true });
    assert.deepEqual({ name: b1?.name, chatting: b1?.chatting }, { name: b.user.name, chatting: true });
    assert.ok(!Number.isNaN(Date.parse(a1?.since ?? '')));
    assert.equal(body.count, body.viewers.length);
    const status = await server.json<{ viewers: number }>('/api/status');
    assert.equal(status.viewers, body.count, '/api/status uses the same count');
    await Promise.all([a.close(), b.close()]);
  });

  it('counts one viewer for two tabs of the same person, and none once they leave', async () => {
    const before = (await server.json<{ count: number }>('/api/viewers')).count;
    const tab1 = await connect({ userAgent: 'SameBrowser/1.0' });
    const tab2 = await connect({ token: tab1.token, userAgent: 'SameBrowser/1.0' });
    assert.equal(tab2.user.id, tab1.user.id);
    assert.equal(tab2.user.name, tab1.user.name, 'the second tab is not renamed "… 2"');
    assert.equal((await server.json<{ count: number }>('/api/viewers')).count, before + 1);
    await tab1.close();
    await waitFor('the second tab still counted', async () => (await server.json<{ count: number }>('/api/viewers')).count === before + 1);
    await tab2.close();
    await waitFor('the viewer gone', async () => (await server.json<{ count: number }>('/api/viewers')).count === before);
    assert.equal((await server.json<{ viewers: number }>('/api/status')).viewers, before);
  });

  it('broadcasts viewer count changes', async () => {
    const a = await connect();
    const start = a.welcome['viewers'] as number;
    const b = await connect();
    await a.next((f) => f.type === 'viewers' && f['count'] === start + 1, 5000, 'the count going up');
    await b.close();
    await a.next((f) => f.type === 'viewers' && f['count'] === start, 5000, 'the count going down');
    await a.close();
  });

  it('delivers a message to everyone, including the sender, and keeps it in /api/chat', async () => {
    const a = await connect();
    const b = await connect();
    a.send({ type: 'chat', text: '  hello, world  ' });
    const atB = await b.nextOfType('chat');
    const atA = await a.nextOfType('chat');
    assert.deepEqual(atA, atB);
    assert.equal(atB['text'], 'hello, world', 'trimmed');
    assert.deepEqual(atB['user'], a.user);
    assert.match(atB['id'], /^[A-Za-z0-9_-]{12}$/);
    assert.ok(Math.abs(Date.parse(atB['at']) - Date.now()) < 60_000);
    const { messages } = await server.json<{ messages: { id: string }[] }>('/api/chat');
    assert.deepEqual(messages.at(-1), atB);
    await Promise.all([a.close(), b.close()]);
  });

  it('broadcasts a rename, and the viewer list shows the new name', async () => {
    const a = await connect();
    const b = await connect();
    const previous = a.user.name;
    a.send({ type: 'rename', name: '  Night Owl  ' });
    const r = await b.nextOfType('rename');
    assert.deepEqual(r, { type: 'rename', user: { id: a.user.id, name: 'Night Owl' }, previous });
    const { viewers } = await server.json<{ viewers: { id: string; name: string }[] }>('/api/viewers');
    assert.equal(viewers.find((v) => v.id === a.user.id)?.name, 'Night Owl');
    a.send({ type: 'chat', text: 'as an owl' });
    assert.equal((await b.nextOfType('chat'))['user']['name'], 'Night Owl');
    // Same token later: the chosen name comes back.
    await a.close();
    const back = await connect({ token: a.token });
    assert.equal(back.user.name, 'Night Owl');
    await Promise.all([back.close(), b.close()]);
  });

  it('refuses bad names: reserved, too long, control characters, empty, taken', async () => {
    const a = await connect();
    const b = await connect();
    const tries: [unknown, string][] = [
      ['admin', 'invalid'],
      [' Moderator ', 'invalid'],
      ['SYSTEM', 'invalid'],
      ['streamy mcstreamface', 'invalid'],
      ['x'.repeat(31), 'too_long'],
      ['bad\u0007name', 'invalid'],
      ['evil\u202Eeman', 'invalid'],
      ['   ', 'invalid'],
      [42, 'invalid'],
      [b.user.name.toUpperCase(), 'invalid'],
      // Look-alikes: a Cyrillic А, a Cyrillic е in the streamer's name, Cyrillic letters in b's name.
      ['\u0410dmin', 'invalid'],
      ['Str\u0435amy McStr\u0435amface', 'invalid'],
      [lookalike(b.user.name), 'invalid'],
    ];
    for (const [name, code] of tries) {
      a.send({ type: 'rename', name, ref: 'r1' });
      const e = await a.nextOfType('error');
      assert.equal(e['code'], code, `name ${JSON.stringify(name)}`);
      assert.equal(e['ref'], 'r1');
    }
    a.send({ type: 'rename', name: 'y'.repeat(30) });
    assert.equal((await b.nextOfType('rename'))['user']['name'], 'y'.repeat(30), '30 characters are fine');
    await Promise.all([a.close(), b.close()]);
  });

  it('sends injected HTML back as the same text, as JSON', async () => {
    const a = await connect();
    const evil = '<img src=x onerror="alert(1)"><script>alert("x")</script> &amp; </div>';
    a.send({ type: 'chat', text: evil });
    const m = await a.nextOfType('chat');
    assert.equal(m['text'], evil);
    const res = await server.get('/api/chat');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const { messages } = (await res.json()) as { messages: { id: string; text: string }[] };
    assert.equal(messages.find((x) => x.id === m['id'])?.text, evil);
    a.send({ type: 'rename', name: '<b>bold</b>' });
    assert.equal((await a.nextOfType('rename'))['user']['name'], '<b>bold</b>');
    await a.close();
  });

  it('answers oversize messages with too_long and drops frames over maxPayload', async () => {
    const a = await connect();
    a.send({ type: 'chat', text: 'x'.repeat(501), ref: 'big' });
    const e = await a.nextOfType('error');
    assert.equal(e['code'], 'too_long');
    assert.equal(e['ref'], 'big');
    a.send({ type: 'chat', text: '🙂'.repeat(500) });
    assert.equal([...(await a.nextOfType('chat'))['text']].length, 500, '500 characters (not bytes) are fine');
    a.send({ type: 'chat', text: 'y'.repeat(100_000) });
    const closed = await a.closed;
    assert.equal(closed.code, 1009, 'message too big');
  });

  it('answers a flood with rate_limited and keeps blocking for a while', async () => {
    const a = await connect();
    const b = await connect({ token: a.token });
    for (let i = 0; i < 3; i++) a.send({ type: 'chat', text: `msg ${i}` });
    for (let i = 0; i < 3; i++) await a.next((f) => f.type === 'chat' && f['text'] === `msg ${i}`);
    a.send({ type: 'chat', text: 'one too many' });
    const e = await a.nextOfType('error');
    assert.equal(e['code'], 'rate_limited');
    assert.ok(e['retryAfterMs'] > 5000 && e['retryAfterMs'] <= 10_000);
    b.send({ type: 'chat', text: 'from the other tab' });
    assert.equal((await b.nextOfType('error'))['code'], 'rate_limited', 'the block holds for the same user in another tab');
    const c = await connect();
    c.send({ type: 'chat', text: 'someone else' });
    assert.equal((await c.nextOfType('chat'))['text'], 'someone else', 'other users are not blocked');
    assert.equal(a.frames.some((f) => f.type === 'chat' && (f['text'] === 'one too many' || f['text'] === 'from the other tab')), false);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('answers malformed frames with invalid and stays connected', async () => {
    const a = await connect();
    for (const bad of ['not json', '[1,2]', '{"type":"shout","text":"x"}', '{"type":"chat"}', '{"type":"chat","text":"   "}', '{"type":"chat","text":"\\u0000x"}', '{"type":"chat","text":"\\ud800"}']) {
      a.send(bad);
      assert.equal((await a.nextOfType('error'))['code'], 'invalid', bad);
    }
    a.ws.send(Buffer.from('{"type":"chat","text":"binary"}'), { binary: true });
    assert.equal((await a.nextOfType('error'))['code'], 'invalid', 'binary frame');
    a.send({ type: 'ping' });
    await a.nextOfType('pong');
    await a.close();
  });

  it('keeps the last 50 visible messages', async () => {
    // 3 messages per sender fit the rate limit: 18 senders.
    const senders = await Promise.all(Array.from({ length: 18 }, () => connect()));
    const watcher = await connect();
    const sent: string[] = [];
    for (const [i, s] of senders.entries()) {
      for (let j = 0; j < 3; j++) {
        const text = `history ${i}.${j}`;
        sent.push(text);
        s.send({ type: 'chat', text });
        await watcher.next((f) => f.type === 'chat' && f['text'] === text);
      }
    }
    const { messages } = await server.json<{ messages: { text: string }[] }>('/api/chat');
    assert.equal(messages.length, 50);
    assert.deepEqual(messages.map((m) => m.text), sent.slice(-50));
    const late = await connect();
    assert.deepEqual((late.welcome['history'] as { text: string }[]).map((m) => m.text), sent.slice(-50));
    await Promise.all([...senders, watcher, late].map((c) => c.close()));
  });
});
