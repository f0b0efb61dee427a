import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader, type FrameBudget } from '../../../src/live/frame-reader.js';

/** A reader on a hand-driven clock, recording what it did. */
function reader(budget: FrameBudget) {
  const clock = { now: 0 };
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const log: string[] = [];
  const handled: { frame: number; at: number; handledAt: number }[] = [];
  const r = new FrameReader<number>({
    budget,
    now: () => clock.now,
    schedule: (fn, ms) => {
      const t = { at: clock.now + ms, fn, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    handle: (frame, at) => handled.push({ frame, at, handledAt: clock.now }),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
    cut: () => log.push('cut'),
  });
  /** Moves the clock to `t`, running the timers due on the way. */
  const advance = (t: number) => {
    for (;;) {
      const due = timers.filter((x) => !x.cancelled && x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      clock.now = due.at;
      due.fn();
    }
    clock.now = t;
  };
  return { r, clock, log, handled, advance, pending: () => timers.filter((x) => !x.cancelled).length };
}

describe('frame reader', () => {
  it('handles a burst at once and a steady pace within the budget', () => {
    const { r, clock, log, handled } = reader({ burst: 5, perSecond: 2, maxHeld: 5 });
    for (let i = 0; i < 5; i++) r.push(i);
    assert.equal(handled.length, 5);
    for (let i = 5; i < 25; i++) {
      clock.now += 500;
      r.push(i);
    }
    assert.equal(handled.length, 25, 'two a second are always fine');
    assert.deepEqual(log, [], 'never paused');
  });

  it('holds frames over budget, pauses the socket, and hands them on with their arrival times', () => {
    const { r, log, handled, advance, clock } = reader({ burst: 2, perSecond: 4, maxHeld: 10 });
    r.push(0);
    r.push(1);
    clock.now = 10;
    r.push(2);
    r.push(3);
    assert.deepEqual(handled.map((h) => h.frame), [0, 1]);
    assert.deepEqual(log, ['pause'], 'paused once');
    assert.equal(r.held, 2);
    advance(1000);
    assert.deepEqual(handled.map((h) => h.frame), [0, 1, 2, 3], 'nothing lost, in order');
    assert.deepEqual(handled.slice(2).map((h) => h.at), [10, 10], 'stamped when they arrived');
    assert.ok(handled.slice(2).every((h) => h.handledAt > 10), 'handled later');
    assert.deepEqual(log, ['pause', 'resume'], 'reading again once the held frames are out');
  });

  it('cuts a client that keeps sending while held, once, and drops everything after', () => {
    const { r, log, handled, pending } = reader({ burst: 3, perSecond: 1, maxHeld: 4 });
    for (let i = 0; i < 50; i++) r.push(i);
    assert.equal(handled.length, 3);
    assert.deepEqual(log, ['pause', 'cut']);
    assert.ok(r.closed);
    assert.equal(pending(), 0, 'no timer left behind');
    r.push(99);
    assert.equal(handled.length, 3);
  });

  it('bounds a flood to the budget however many frames come', () => {
    const { r, handled, advance, log } = reader({ burst: 10, perSecond: 5, maxHeld: 1_000_000 });
    for (let t = 0; t < 10_000; t += 1) {
      advance(t);
      r.push(t);
    }
    advance(10_000);
    // 10 s at 5 a second plus the burst, whatever was sent (10,000 frames).
    assert.ok(handled.length <= 10 + 5 * 10 + 1, `handled ${handled.length}`);
    assert.equal(log[0], 'pause');
  });
});
