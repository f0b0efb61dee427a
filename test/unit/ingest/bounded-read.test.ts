import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readUpTo, type ReadAt } from '../../../src/ingest/bounded-read.js';

/** A file in memory that answers reads of at most `most` bytes; counts the bytes handed out. */
function memoryFile(content: Buffer, most = Infinity) {
  const stats = { served: 0, reads: 0 };
  const readAt: ReadAt = async (into, position) => {
    stats.reads += 1;
    const n = Math.max(0, Math.min(into.byteLength, most, content.byteLength - position));
    content.copy(into, 0, position, position + n);
    stats.served += n;
    return n;
  };
  return { readAt, stats };
}

describe('readUpTo (issue 10, item 5)', () => {
  it('reads a whole file, in one read plus the end-of-file read when the size is known', async () => {
    const content = Buffer.from('#EXTM3U\n'.repeat(1000));
    const f = memoryFile(content);
    const r = await readUpTo(f.readAt, 1 << 20, content.byteLength);
    assert.equal(r.tooLarge, false);
    assert.deepEqual(r.bytes, content);
    assert.equal(f.stats.reads, 2);
  });

  it('stops one byte past the limit, whatever the size hint says: a 50 MB file costs the limit, not 50 MB', async () => {
    const content = Buffer.alloc(50 * 1024 * 1024, 0x41);
    const limit = 8 * 1024 * 1024;
    for (const hint of [undefined, 100, content.byteLength]) {
      const f = memoryFile(content, 1 << 20);
      const r = await readUpTo(f.readAt, limit, hint);
      assert.equal(r.tooLarge, true);
      assert.equal(r.bytes.byteLength, limit + 1);
      assert.ok(f.stats.served <= limit + 1, `${f.stats.served} bytes read with hint ${hint}`);
    }
  });

  it('gives exactly the file for any size, read size and hint (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 100_000 }), fc.option(fc.integer({ min: 0, max: 300_000 })), fc.integer({ min: 1, max: 200_000 }), async (size, most, hint, limit) => {
        const content = Buffer.alloc(size);
        for (let i = 0; i < size; i += 997) content[i] = i % 251;
        const f = memoryFile(content, most);
        const r = await readUpTo(f.readAt, limit, hint ?? undefined);
        assert.equal(r.tooLarge, size > limit);
        assert.deepEqual(r.bytes, content.subarray(0, Math.min(size, limit + 1)));
        assert.ok(f.stats.served <= limit + 1);
      }),
      { numRuns: 200 },
    );
  });
});
