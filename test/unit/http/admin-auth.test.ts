// Every /api/admin/* request needs the admin token; without it, 401 before any routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, isAdminPath, tokenMatches } from '../../../src/http/admin-auth.js';
import { ADMIN_TOKEN, errorCode, harness } from './http-harness.js';

describe('admin API authentication', () => {
  const requests: [string, string, string?][] = [
    ['POST', '/api/admin/chat/hide', '{"id":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/ban', '{"userId":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/unban', '{"userId":"abcdefghijkl"}'],
    ['POST', '/api/admin/chat/disable'],
    ['POST', '/api/admin/chat/enable'],
    ['GET', '/api/admin/chat/bans'],
    ['PUT', '/api/admin/title', '{"title":"pwned"}'],
    ['PUT', '/api/admin/offline-image', 'not an image'],
    ['DELETE', '/api/admin/offline-image'],
    ['GET', '/api/admin/offline-image'],
    // Unknown paths and methods look exactly the same without the token.
    ['GET', '/api/admin'],
    ['GET', '/api/admin/'],
    ['GET', '/api/admin/does-not-exist'],
    ['DELETE', '/api/admin/chat/hide'],
    ['TRACE', '/api/admin/chat/hide'],
    ['PROPFIND', '/api/admin/title'],
    ['POST', '/api/admin/chat/hide', 'not json at all'],
    ['GET', '/api/admin/../admin/chat/bans'],
    ['GET', '/api/admin/chat/bans?token=' + ADMIN_TOKEN],
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
    ['wrong token', { authorization: 'Bearer wrong-token-wrong-token' }],
    ['token with one character off', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}x` }],
    ['token prefix', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, 10)}` }],
    ['token plus extra', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
    ['bare token', { authorization: ADMIN_TOKEN }],
    ['empty bearer', { authorization: 'Bearer ' }],
  ];

  for (const [label, headers] of badAuth) {
    it(`answers 401 to every admin request with ${label}, and changes nothing`, async () => {
      const h = harness();
      for (const [method, url, payload] of requests) {
        const res = await h.request({ method, url, headers: { 'content-type': 'application/json', ...headers }, ...(payload ? { payload } : {}) });
        assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
        assert.equal(errorCode(res), 'unauthorized');
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
      assert.deepEqual(h.hub.calls, []);
      assert.deepEqual(h.titles, []);
      assert.equal(h.site.info.title, 'unit stream');
      assert.equal(h.images.current().origin, 'builtin');
    });
  }

  it('lets the right token through, and then unknown admin paths are plain 404s', async () => {
    const h = harness();
    assert.equal((await h.admin({ url: '/api/admin/chat/bans' })).statusCode, 200);
    assert.equal((await h.admin({ url: '/api/admin/does-not-exist' })).statusCode, 404);
    const lower = await h.request({ url: '/api/admin/chat/bans', headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
    assert.equal(lower.statusCode, 200, 'the scheme is case-insensitive');
    const wrongMethod = await h.admin({ url: '/api/admin/chat/hide' });
    assert.equal(wrongMethod.statusCode, 405, 'wrong method on a known path, once authenticated');
    assert.equal(wrongMethod.headers['allow'], 'POST, OPTIONS');
  });

  it('leaves the public API alone', async () => {
    const h = harness();
    for (const url of ['/api/status', '/api/chat', '/api/viewers']) assert.equal((await h.request({ url })).statusCode, 200, url);
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
  it('counts every spelling of /api/admin as admin, and nothing else', () => {
    for (const p of ['/api/admin', '/API/Admin/x', '/api/%61dmin/x', '/api//admin', '/api/administrator']) assert.equal(isAdminPath(p), true, p);
    for (const p of ['/api/status', '/admin', '/api/chat', '/api/%zz']) assert.equal(isAdminPath(p), false, p);
  });
});
