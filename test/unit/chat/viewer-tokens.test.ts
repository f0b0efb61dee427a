import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ViewerTokens } from '../../../src/chat/viewer-tokens.js';

describe('viewer tokens', () => {
  const tokens = new ViewerTokens(randomBytes(32));
  it('verifies its own tokens to the same user id', () => {
    const { token, userId } = tokens.issue();
    assert.equal(tokens.verify(token), userId);
    assert.match(userId, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(!token.includes(userId), 'the id is not part of the token');
  });
  it('refuses tokens it did not issue', () => {
    const { token } = tokens.issue();
    const other = new ViewerTokens(randomBytes(32));
    assert.equal(other.verify(token), undefined, 'another server');
    assert.equal(tokens.verify(`${token.slice(0, 5)}A${token.slice(6)}`.replace(/^(.{5})A/, token[5] === 'A' ? '$1B' : '$1A')), undefined, 'changed nonce');
    for (const t of ['', 'x', 'a.b', `${token}x`, undefined, null]) assert.equal(tokens.verify(t), undefined, String(t));
  });
  it('issues different ids every time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => tokens.issue().userId));
    assert.equal(ids.size, 100);
  });
});
