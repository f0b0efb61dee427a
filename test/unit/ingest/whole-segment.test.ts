import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/errors.js';
import { checkWholeSegment, type FileLook } from '../../../src/ingest/whole-segment.js';
import { tsBytes } from '../../fakes/media-bytes.js';

const T = 1_800_000_000_000;
const settle = { quietMs: 1000, settleMs: 40 };

/** checkWholeSegment on a fake clock: `looks` are what the second look finds, in turn. */
function run(bytes: Uint8Array, first: FileLook, looks: Array<FileLook | undefined>) {
  let now = first.at;
  const slept: number[] = [];
  let asked = 0;
  const result = checkWholeSegment({
    uri: 'seg.ts',
    bytes,
    first,
    settle,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    look: async () => looks[asked++],
  });
  return { result, slept, asked: () => asked };
}

const incomplete = (message: RegExp) => (err: unknown) => (err as { code: string }).code === ErrorCode.SegmentIncomplete && message.test((err as Error).message);

describe('checkWholeSegment (issue 10, item 1)', () => {
  const bytes = tsBytes(10);
  const size = bytes.byteLength;

  it('takes a file written long enough ago at once, with no second look', async () => {
    const r = run(bytes, { size, mtimeMs: T - 5000, at: T }, []);
    assert.equal(await r.result, bytes);
    assert.equal(r.asked(), 0);
    assert.deepEqual(r.slept, []);
  });

  it('takes a file written just now when a second look, settleMs later, finds it unchanged', async () => {
    const r = run(bytes, { size, mtimeMs: T - 3, at: T }, [{ size, mtimeMs: T - 3, at: T + 40 }]);
    assert.equal(await r.result, bytes);
    assert.deepEqual(r.slept, [40]);
  });

  it('refuses a file that still grows (its size or write time moved between the two looks)', async () => {
    await assert.rejects(run(bytes, { size, mtimeMs: T - 3, at: T }, [{ size: size + 188, mtimeMs: T + 20, at: T + 40 }]).result, incomplete(/still being written \(1880 bytes, then 2068 bytes 40 ms later\)/));
    await assert.rejects(run(bytes, { size, mtimeMs: T - 3, at: T }, [{ size, mtimeMs: T + 20, at: T + 40 }]).result, incomplete(/still being written/));
    await assert.rejects(run(bytes, { size, mtimeMs: T - 3, at: T }, [undefined]).result, incomplete(/went away/));
  });

  it('refuses bytes that do not match the size seen just before the read, and a cut container, without waiting', async () => {
    const r = run(bytes, { size: size + 100, mtimeMs: T - 5000, at: T }, []);
    await assert.rejects(r.result, incomplete(/read 1880 bytes of the 1980/));
    const cut = run(bytes.subarray(0, 1000), { size: 1000, mtimeMs: T - 5000, at: T }, []);
    await assert.rejects(cut.result, incomplete(/"seg\.ts" has 1000 bytes: not a whole number of 188-byte/));
    await assert.rejects(run(new Uint8Array(0), { size: 0, mtimeMs: T - 5000, at: T }, []).result, incomplete(/is empty/));
    assert.equal(cut.asked(), 0);
  });
});
