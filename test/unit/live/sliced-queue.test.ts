import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlicedQueue } from '../../../src/live/sliced-queue.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('sliced queue', () => {
  it('runs a burst of jobs a slice per turn of the event loop, in order, all of them', async () => {
    const clock = { now: 0 };
    const q = new SlicedQueue(10, () => clock.now);
    const ran: number[] = [];
    for (let i = 0; i < 100; i++)
      q.push(() => {
        ran.push(i);
        clock.now += 1; // each job "takes" 1 ms
      });
    assert.equal(ran.length, 0, 'nothing runs inside push');
    await turn();
    assert.equal(ran.length, 10, 'one slice of 10 ms, then a yield');
    while (q.length > 0) await turn();
    assert.deepEqual(ran, Array.from({ length: 100 }, (_, i) => i));
  });

  it('keeps going after a job that throws, and clear() drops what is left', async () => {
    const q = new SlicedQueue(1_000);
    const ran: string[] = [];
    q.push(() => ran.push('a'));
    q.push(() => {
      throw new Error('boom');
    });
    q.push(() => ran.push('c'));
    await turn();
    assert.deepEqual(ran, ['a', 'c']);
    const clock = { now: 0 };
    const slow = new SlicedQueue(1, () => clock.now++);
    for (let i = 0; i < 10; i++) slow.push(() => ran.push(`s${i}`));
    await turn();
    slow.clear();
    await turn();
    assert.ok(!ran.includes('s9'));
    assert.equal(slow.length, 0);
  });
});
