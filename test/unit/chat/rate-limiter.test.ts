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

describe('chat rate limit by arrival time', () => {
  it('does not block paced messages that are handled together after a stall', () => {
    let now = 0;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    // One message every 800 ms (1.25 a second, under the limit), the last five handled together 3.2 s later.
    const arrived = [0, 800, 1600, 2400, 3200, 4000, 4800];
    now = 800;
    assert.equal(r.take('a', 0), 0);
    assert.equal(r.take('a', 800), 0);
    now = 4800;
    for (const at of arrived.slice(2)) assert.equal(r.take('a', at), 0, `message sent at ${at} ms`);
  });

  it('stamped when handled, the same messages look like a burst (what arrival stamps avoid)', () => {
    let now = 800;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    r.take('a', 0);
    r.take('a', 800);
    now = 4800;
    const waits = [0, 1, 2, 3, 4].map(() => r.take('a', now));
    assert.ok(waits.some((w) => w > 0));
  });

  it('still blocks a real burst, and an arrival time in the future counts as now', () => {
    let now = 10_000;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    assert.deepEqual([r.take('a', 9_000), r.take('a', 9_100), r.take('a', 9_200)], [0, 0, 0]);
    assert.equal(r.take('a', 9_300), 10_000 - 700, 'blocked from when it arrived');
    assert.ok(r.take('b', 50_000) === 0);
    now = 30_000;
    assert.equal(r.take('a'), 0);
  });

  it('lets a steady pace through even when a busy server reads the frames up to 700 ms late', () => {
    let now = 0;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    let seed = 7;
    let last = 0;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Sent every 800 ms; read (and stamped) 0-700 ms later, never before the one sent earlier.
      last = Math.max(last, i * 800 + (seed % 700));
      now = last;
      assert.equal(r.take('a', last), 0, `message ${i}`);
    }
  });

  it('blocks a sustained pace above 3 per 2 s', () => {
    let now = 0;
    const r = new RateLimiter({ limit: 3, windowMs: 2000, blockMs: 10_000, now: () => now });
    let blocked = false;
    for (let i = 0; i < 40 && !blocked; i++) {
      now = i * 500;
      blocked = r.take('a', now) > 0;
    }
    assert.ok(blocked, 'two a second is blocked within 20 s');
  });
});

