import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatConnectionCap, openFileLimit } from '../../../src/live/connection-cap.js';

describe('live channel connection cap', () => {
  it('is 70% of the open-file limit, within bounds', () => {
    assert.equal(chatConnectionCap(20_000), 14_000);
    assert.equal(chatConnectionCap(10), 16);
    assert.equal(chatConnectionCap(Number.MAX_SAFE_INTEGER), 1_000_000);
  });

  it('reads the soft limit from /proc/self/limits text', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    assert.equal(openFileLimit(() => text), 1024);
    assert.equal(openFileLimit(() => 'Max open files            unlimited            unlimited            files\n'), Number.MAX_SAFE_INTEGER);
    assert.equal(openFileLimit(() => {
      throw new Error('no /proc');
    }), undefined);
  });
});
