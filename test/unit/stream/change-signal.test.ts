import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeSignal } from '../../../src/stream/change-signal.js';

describe('ChangeSignal', () => {
  it('wakes every waiter once at the next change, and none that cancelled', () => {
    const s = new ChangeSignal();
    const woken: number[] = [];
    for (let i = 0; i < 1000; i++) s.wait(() => woken.push(i));
    const cancel = s.wait(() => woken.push(-1));
    cancel();
    assert.equal(s.waiting, 1000);
    s.notify();
    assert.equal(woken.length, 1000);
    assert.equal(s.waiting, 0);
    s.notify();
    assert.equal(woken.length, 1000, 'a waiter is woken once');
  });

  it('keeps waking the others when one throws, and lets a waiter wait again from its wake-up', () => {
    const s = new ChangeSignal();
    let again = 0;
    s.wait(() => {
      throw new Error('broken socket');
    });
    const rewait = () => {
      again += 1;
      if (again < 3) s.wait(rewait);
    };
    s.wait(rewait);
    s.notify();
    assert.equal(again, 1);
    assert.equal(s.waiting, 1, 'waiting again from a wake-up waits for the next change, not this one');
    s.notify();
    s.notify();
    assert.equal(again, 3);
  });
});
