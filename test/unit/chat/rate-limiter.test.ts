import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../src/chat/rate-limiter.js';

describe('chat rate limit', () => {
  it('allows 3 in 2 s, then blocks for 10 s', () => {
    let now = 0;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    assert.deepEqual([r.take('a'), r.take('a'), r.take('a')], [0, 0, 0]);
    assert.equal(r.take('a'), 10_000);
    now += 1000;
    assert.equal(r.take('a'), 9000, 'still blocked');
    assert.equal(r.take('b'), 0, 'others are not');
    now += 9000;
    assert.equal(r.take('a'), 0, 'free again after the block');
  });
  it('lets a steady pace through', () => {
    let now = 0;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    for (let i = 0; i < 100; i++) {
      assert.equal(r.take('a'), 0, `message ${i}`);
      now += 700;
    }
  });
});
