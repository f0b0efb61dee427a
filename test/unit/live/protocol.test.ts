import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { parseClientFrame, welcomeBytes, welcomeFrame } from '../../../src/live/protocol.js';

describe('live channel protocol', () => {
  it('parses ping and the chat frames, keeping a valid ref', () => {
    assert.deepEqual(parseClientFrame('{"type":"ping"}'), { type: 'ping' });
    assert.deepEqual(parseClientFrame('{"type":"chat","text":"hi","ref":"m1"}'), { type: 'chat', text: 'hi', ref: 'm1' });
    assert.deepEqual(parseClientFrame('{"type":"rename","name":"X","ref":"bad ref!"}'), { type: 'rename', name: 'X', ref: undefined });
  });

  it('refuses anything else as invalid', () => {
    for (const f of ['', 'null', '[]', '"ping"', '{"type":"pong"}', '{"type":"welcome"}', '{not json']) {
      assert.throws(() => parseClientFrame(f), (err) => err instanceof SharecastError && err.code === ErrorCode.Invalid, f);
    }
  });

  it('builds the welcome with the chat and page parts, type first, in the documented order', () => {
    const w = welcomeFrame(
      { user: { id: 'u', name: 'N' }, token: 't', history: [], chatEnabled: true, limits: { messageLength: 500, nameLength: 30, messages: 3, perSeconds: 2 } },
      { title: 'T', online: false, viewers: 2 },
    );
    assert.deepEqual(Object.keys(w), ['type', 'user', 'token', 'history', 'chatEnabled', 'title', 'online', 'viewers', 'limits']);
    assert.ok(JSON.stringify(w).startsWith('{"type":"welcome"'));
  });

  it('serialises the welcome exactly as JSON.stringify would, with or without history', () => {
    const limits = { messageLength: 500, nameLength: 30, messages: 3, perSeconds: 2 };
    const history = [{ type: 'chat' as const, id: 'm', user: { id: 'u', name: 'N "q"' }, text: '<b>\u2028', at: '2026-01-01T00:00:00.000Z' }];
    for (const h of [[], history]) {
      const chat = { user: { id: 'u', name: 'Ünï' }, token: 't.k', history: h, chatEnabled: false, limits };
      const page = { title: 'a "title"', online: true, viewers: 0 };
      assert.equal(welcomeBytes(chat, page).toString(), JSON.stringify(welcomeFrame(chat, page)));
    }
  });
});
