// Every /api/admin/* request needs the admin token; without it, 401 before any routing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearerToken, tokenMatches } from '../../../src/http/admin-auth.js';
import { makeDataDir, removeDataDir, startChatServer, TEST_ADMIN_TOKEN, type ChatServer } from '../../helpers/chat-server.js';

describe('admin API authentication', () => {
  let server: ChatServer;
  let dataDir: string;
  before(async () => {
    dataDir = makeDataDir();
    server = await startChatServer(dataDir);
  });
  after(async () => {
    await server?.close();
    removeDataDir(dataDir);
  });

  const requests: [string, string, string?][] = [
    ['POST', '/api/admin/chat/hide', '{"id":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/ban', '{"userId":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/unban', '{"userId":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/disable'],
    ['POST', '/api/admin/chat/enable'],
    ['GET', '/api/admin/chat/bans'],
    ['PUT', '/api/admin/title', '{"title":"pwned"}'],
    // Unknown paths and methods look exactly the same without the token.
    ['GET', '/api/admin'],
    ['GET', '/api/admin/'],
    ['GET', '/api/admin/does-not-exist'],
    ['DELETE', '/api/admin/chat/hide'],
    ['POST', '/api/admin/chat/hide', 'not json at all'],
    ['GET', '/api/admin/../admin/chat/bans'],
    ['GET', '/api/admin/chat/bans?token=' + TEST_ADMIN_TOKEN],
    // Other spellings of the same paths (the routers match case-insensitively).
    ['GET', '/API/ADMIN/chat/bans'],
    ['GET', '/api/Admin/chat/bans'],
    ['POST', '/Api/admin/CHAT/disable'],
    ['PUT', '/api/ADMIN/title', '{"title":"pwned"}'],
    ['GET', '/api/%61dmin/chat/bans'],
    ['GET', '/api/admin%2Fchat/bans'],
    ['GET', '/api//admin/chat/bans'],
    ['GET', '/api/admin/chat/bans/'],
    ['GET', '/api/administrator'],
  ];
  const badAuth: [string, Record<string, string>][] = [
    ['no header', {}],
    ['wrong token', { Authorization: 'Bearer wrong-token-wrong-token' }],
    ['token with one character off', { Authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}x` }],
    ['token prefix', { Authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, 10)}` }],
    ['token plus extra', { Authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }],
    ['Basic scheme', { Authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}` }],
    ['bare token', { Authorization: TEST_ADMIN_TOKEN }],
    ['empty bearer', { Authorization: 'Bearer ' }],
  ];

  for (const [label, headers] of badAuth) {
    it(`answers 401 to every admin request with ${label}`, async () => {
      for (const [method, path, body] of requests) {
        const res = await server.get(path, { method, headers: { 'Content-Type': 'application/json', ...headers }, ...(body ? { body } : {}) });
        const text = await res.text();
        assert.equal(res.status, 401, `${method} ${path}: ${text}`);
        assert.equal(JSON.parse(text).error.code, 'unauthorized');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });
  }

  it('changed nothing while refusing', async () => {
    const status = (await (await server.get('/api/status')).json()) as { title: string };
    assert.notEqual(status.title, 'pwned');
    assert.equal(((await (await server.get('/api/chat')).json()) as { chatEnabled: boolean }).chatEnabled, true);
  });

  it('lets the right token through, and then unknown admin paths are plain 404s', async () => {
    assert.equal((await server.admin('GET', '/api/admin/chat/bans')).status, 200);
    assert.equal((await server.admin('GET', '/api/admin/does-not-exist')).status, 404);
    const lower = await server.get('/api/admin/chat/bans', { headers: { Authorization: `bearer ${TEST_ADMIN_TOKEN}` } });
    assert.equal(lower.status, 200, 'the scheme is case-insensitive');
    assert.equal((await server.admin('GET', '/api/admin/chat/hide')).status, 405, 'wrong method on a known path, once authenticated');
  });

  it('leaves the public API alone', async () => {
    for (const path of ['/api/status', '/api/chat', '/api/viewers']) assert.equal((await server.get(path)).status, 200, path);
  });
});

describe('admin token comparison', () => {
  it('matches only the exact token', () => {
    assert.equal(tokenMatches('abcdefghijklmnop', 'abcdefghijklmnop'), true);
    assert.equal(tokenMatches('abcdefghijklmnop', 'abcdefghijklmnoq'), false);
    assert.equal(tokenMatches('abcdefghijklmnop', 'abcdefghijklmno'), false);
    assert.equal(tokenMatches('abcdefghijklmnop', ''), false);
  });
  it('reads the bearer token from the header', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc  '), 'abc');
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
