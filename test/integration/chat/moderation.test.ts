// Moderation through the admin API, seen by real WebSocket clients, and what
// survives a restart (history, hides, bans, the chat switch, the title).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatClient } from '../../helpers/chat-client.js';
import { makeDataDir, removeDataDir, startChatServer, type ChatServer } from '../../helpers/chat-server.js';

describe('chat moderation and restarts', () => {
  let server: ChatServer;
  let dataDir: string;
  const clients: ChatClient[] = [];
  const connect = async (o: Parameters<typeof ChatClient.connect>[1] = {}) => {
    const c = await ChatClient.connect(server.url, o);
    clients.push(c);
    return c;
  };
  const restart = async () => {
    await server.close();
    server = await startChatServer(dataDir);
  };
  const say = async (c: ChatClient, text: string) => {
    c.send({ type: 'chat', text });
    return c.next((f) => f.type === 'chat' && f['text'] === text);
  };
  const chatTexts = async () => (await server.json<{ messages: { text: string }[] }>('/api/chat')).messages.map((m) => m.text);

  before(async () => {
    dataDir = makeDataDir();
    server = await startChatServer(dataDir);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
    removeDataDir(dataDir);
  });

  it('hides a message: everyone is told, the history drops it, and it stays hidden after a restart', async () => {
    const a = await connect();
    const b = await connect();
    const keep = await say(a, 'keep me');
    const bad = await say(a, 'hide me');
    const res = await server.admin('POST', '/api/admin/chat/hide', { id: bad['id'] });
    assert.equal(res.status, 200);
    assert.deepEqual(await b.nextOfType('hide'), { type: 'hide', id: bad['id'] });
    assert.deepEqual(await a.nextOfType('hide'), { type: 'hide', id: bad['id'] });
    assert.ok((await chatTexts()).includes('keep me'));
    assert.ok(!(await chatTexts()).includes('hide me'));
    assert.equal((await server.admin('POST', '/api/admin/chat/hide', { id: bad['id'] })).status, 404, 'already hidden');
    assert.equal((await server.admin('POST', '/api/admin/chat/hide', { id: 'nope' })).status, 400);
    assert.equal((await server.admin('POST', '/api/admin/chat/hide', '{not json')).status, 400);
    await Promise.all([a.close(), b.close()]);
    await restart();
    const texts = await chatTexts();
    assert.ok(texts.includes('keep me'), 'history survives a restart');
    assert.ok(!texts.includes('hide me'), 'the hide survives a restart');
    const late = await connect();
    assert.ok((late.welcome['history'] as { id: string }[]).some((m) => m.id === keep['id']));
    await late.close();
  });

  it('bans a user: disconnected, messages hidden, refused with the same token, then unbanned', async () => {
    const bad = await connect();
    const other = await connect();
    const m1 = await say(bad, 'spam 1');
    const m2 = await say(bad, 'spam 2');
    const res = await server.admin('POST', '/api/admin/chat/ban', { userId: bad.user.id });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { hidden: number; disconnected: number };
    assert.deepEqual({ hidden: body.hidden, disconnected: body.disconnected }, { hidden: 2, disconnected: 1 });
    assert.equal((await bad.nextOfType('error'))['code'], 'banned');
    assert.equal((await bad.closed).code, 4003);
    const hidden = [(await other.nextOfType('hide'))['id'], (await other.nextOfType('hide'))['id']].sort();
    assert.deepEqual(hidden, [m1['id'], m2['id']].sort());
    assert.ok(!(await chatTexts()).some((t) => t.startsWith('spam')));

    const again = await ChatClient.open(server.url, { token: bad.token });
    clients.push(again);
    assert.equal((await again.nextOfType('error'))['code'], 'banned');
    assert.equal((await again.closed).code, 4003);
    assert.ok(!again.frames.some((f) => f.type === 'welcome'));

    const bans = (await (await server.admin('GET', '/api/admin/chat/bans')).json()) as { bans: { userId: string }[] };
    assert.ok(bans.bans.some((b) => b.userId === bad.user.id));

    // The ban holds across a restart.
    await other.close();
    await restart();
    const afterRestart = await ChatClient.open(server.url, { token: bad.token });
    clients.push(afterRestart);
    assert.equal((await afterRestart.nextOfType('error'))['code'], 'banned');
    await afterRestart.closed;

    assert.equal((await server.admin('POST', '/api/admin/chat/unban', { userId: bad.user.id })).status, 200);
    assert.equal((await server.admin('POST', '/api/admin/chat/unban', { userId: bad.user.id })).status, 404, 'not banned any more');
    const back = await connect({ token: bad.token });
    assert.equal(back.user.id, bad.user.id);
    await say(back, 'behaving now');
    assert.ok(!(await chatTexts()).some((t) => t.startsWith('spam')), 'hidden messages stay hidden after an unban');
    await back.close();
  });

  it('bans the address too: a new token from the same machine is refused, other machines are not', async () => {
    const bad = await connect({ localAddress: '127.0.0.5' });
    await server.admin('POST', '/api/admin/chat/ban', { userId: bad.user.id });
    await bad.closed;
    const sameMachine = await ChatClient.open(server.url, { localAddress: '127.0.0.5' });
    clients.push(sameMachine);
    assert.equal((await sameMachine.nextOfType('error'))['code'], 'banned', 'new token, same address');
    await sameMachine.closed;
    const otherMachine = await connect({ localAddress: '127.0.0.6' });
    assert.notEqual(otherMachine.user.id, bad.user.id);
    await otherMachine.close();
    await server.admin('POST', '/api/admin/chat/unban', { userId: bad.user.id });
    const allowed = await connect({ localAddress: '127.0.0.5' });
    assert.ok(allowed.user.id);
    await allowed.close();
  });

  it('switches chat off and on: clients are told, messages get chat_disabled, and the switch survives a restart', async () => {
    const a = await connect();
    assert.equal((await server.admin('POST', '/api/admin/chat/disable')).status, 200);
    assert.deepEqual(await a.nextOfType('chat_state'), { type: 'chat_state', enabled: false });
    assert.match((await a.nextOfType('system'))['text'], /off/);
    a.send({ type: 'chat', text: 'anyone?' });
    assert.equal((await a.nextOfType('error'))['code'], 'chat_disabled');
    a.send({ type: 'rename', name: 'Sneaky Renamer' });
    assert.equal((await a.nextOfType('error'))['code'], 'chat_disabled', 'renames too');
    assert.equal((await server.json<{ chatEnabled: boolean }>('/api/chat')).chatEnabled, false);
    await a.close();
    await restart();
    const b = await connect();
    assert.equal(b.welcome['chatEnabled'], false);
    assert.equal((await server.admin('POST', '/api/admin/chat/enable')).status, 200);
    assert.deepEqual(await b.nextOfType('chat_state'), { type: 'chat_state', enabled: true });
    await say(b, 'back on');
    await b.close();
  });

  it('sets the title: everyone is told, /api/status shows it, and it survives a restart', async () => {
    const a = await connect();
    const res = await server.admin('PUT', '/api/admin/title', { title: '  Late night <coding>  ' });
    assert.equal(res.status, 200);
    assert.deepEqual(await a.nextOfType('title'), { type: 'title', title: 'Late night <coding>' });
    assert.equal((await server.json<{ title: string }>('/api/status')).title, 'Late night <coding>');
    assert.equal((await server.admin('PUT', '/api/admin/title', { title: '' })).status, 400);
    assert.equal((await server.admin('PUT', '/api/admin/title', { title: 'x'.repeat(121) })).status, 400);
    assert.equal((await server.admin('PUT', '/api/admin/title', { name: 'x' })).status, 400);
    await a.close();
    await restart();
    assert.equal((await server.json<{ title: string }>('/api/status')).title, 'Late night <coding>');
    const b = await connect();
    assert.equal(b.welcome['title'], 'Late night <coding>');
    await b.close();
  });
});
