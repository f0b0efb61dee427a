import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { AuthBackoff, basicPassword, clientAddress } from '../../../src/http/ingest-auth.js';

const req = (remoteAddress: string, xff?: string | string[]) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('push ingest: who is asking', () => {
  it('reads the password of Basic auth, whatever the user name', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.equal(basicPassword(basic('obs:the-key-0123456789')), 'the-key-0123456789');
    assert.equal(basicPassword(basic(':k:with:colons')), 'k:with:colons');
    assert.equal(basicPassword(basic('no-colon')), undefined);
    assert.equal(basicPassword('Bearer abc'), undefined);
    assert.equal(basicPassword(undefined), undefined);
  });

  it('takes the address from X-Forwarded-For only with --trust-proxy, and then its last entry', () => {
    assert.equal(clientAddress(req('127.0.0.1', '203.0.113.9'), false), '127.0.0.1');
    assert.equal(clientAddress(req('127.0.0.1', '198.51.100.1, 203.0.113.9'), true), '203.0.113.9');
    assert.equal(clientAddress(req('127.0.0.1', ['198.51.100.1', '2001:db8::1']), true), '2001:db8::1');
    assert.equal(clientAddress(req('127.0.0.1', 'not-an-address'), true), '127.0.0.1');
    assert.equal(clientAddress(req('127.0.0.1'), true), '127.0.0.1');
  });
});

describe('AuthBackoff: wrong stream keys per address', () => {
  it('lets the first few through, then doubles the wait up to its limit; a right key clears it', () => {
    const b = new AuthBackoff({ freeFailures: 3, firstMs: 1000, maxMs: 4000 });
    let now = 0;
    assert.deepEqual([b.failed('a', now), b.failed('a', now), b.failed('a', now)], [0, 0, 0]);
    assert.equal(b.waitFor('a', now), 0);
    assert.equal(b.failed('a', now), 1000);
    assert.equal(b.waitFor('a', now + 400), 600);
    assert.equal(b.waitFor('b', now), 0, 'per address');
    now += 1000;
    assert.equal(b.failed('a', now), 2000);
    now += 2000;
    assert.equal(b.failed('a', now), 4000);
    now += 4000;
    assert.equal(b.failed('a', now), 4000, 'never longer than maxMs');
    b.succeeded('a');
    assert.equal(b.waitFor('a', now), 0);
    assert.equal(b.failed('a', now), 0);
  });

  it('forgets an address whose last wrong key is old, and remembers a bounded number of them', () => {
    const b = new AuthBackoff({ freeFailures: 1, forgetMs: 10_000, maxAddresses: 2 });
    b.failed('a', 0);
    assert.equal(b.failed('a', 20_000), 0, 'a fresh start after forgetMs');
    b.failed('x', 0);
    assert.ok(b.failed('x', 0) > 0);
    b.failed('y', 0);
    b.failed('z', 0);
    assert.equal(b.waitFor('x', 0), 0, 'the least recent address was forgotten');
  });
});
