import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentCache, contentTypeFor, makeBody } from '../../../src/cache/segment-cache.js';

const MiB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 20, 17, 4, 15);

function body(name: string, size: number, fill = 1) {
  return makeBody(name, new Uint8Array(size).fill(fill), NOW);
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('makeBody', () => {
  it('keeps the bytes as they are, with a content-hash ETag, the type by extension and a Last-Modified', () => {
    const bytes = new Uint8Array([0x47, 1, 2, 3]);
    const b = makeBody('run-1.ts', bytes, NOW);
    assert.deepEqual([...b.bytes], [0x47, 1, 2, 3]);
    assert.equal(b.contentType, 'video/mp2t');
    assert.equal(b.lastModified, 'Fri, 20 Nov 2026 17:04:15 GMT');
    assert.match(b.etag, /^"[A-Za-z0-9_-]{16}"$/);
    assert.equal(makeBody('other.ts', new Uint8Array([0x47, 1, 2, 3]), NOW + 1).etag, b.etag, 'same bytes, same ETag');
    assert.notEqual(makeBody('run-1.ts', new Uint8Array([0x47, 1, 2, 4]), NOW).etag, b.etag);
  });

  it('wraps a Uint8Array view without copying outside it', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const b = makeBody('a.ts', whole.subarray(2, 5), NOW);
    assert.deepEqual([...b.bytes], [1, 2, 3]);
    assert.equal(b.bytes.byteLength, 3);
  });

  it('gives each segment kind its content type', () => {
    assert.equal(contentTypeFor('x.ts'), 'video/mp2t');
    assert.equal(contentTypeFor('x.TS'), 'video/mp2t');
    assert.equal(contentTypeFor('x.m4s'), 'video/iso.segment');
    assert.equal(contentTypeFor('x-init0.mp4'), 'video/mp4');
    assert.equal(contentTypeFor('x.aac'), 'audio/aac');
    assert.equal(contentTypeFor('x.vtt'), 'text/vtt');
    assert.equal(contentTypeFor('x'), 'application/octet-stream');
    assert.equal(contentTypeFor('x.exe'), 'application/octet-stream');
  });
});

describe('SegmentCache', () => {
  it('holds at most maxBytes, dropping the least recently used first', () => {
    const cache = new SegmentCache({ maxBytes: 1 * MiB });
    const size = 300 * 1024;
    for (let i = 0; i < 3; i++) cache.set(`live/s${i}.ts`, body(`s${i}.ts`, size, i));
    assert.equal(cache.entries, 3);
    assert.equal(cache.bytes, 3 * size);
    cache.get('live/s0.ts'); // used: s1 is now the oldest
    cache.set('live/s3.ts', body('s3.ts', size, 3));
    assert.ok(cache.bytes <= 1 * MiB);
    assert.equal(cache.get('live/s1.ts'), undefined);
    assert.equal(cache.get('live/s0.ts')?.bytes[0], 0);
    assert.equal(cache.get('live/s3.ts')?.bytes[0], 3);
    for (let i = 4; i < 50; i++) {
      cache.set(`live/s${i}.ts`, body(`s${i}.ts`, size, i));
      assert.ok(cache.bytes <= 1 * MiB, `${cache.bytes} bytes held`);
    }
    assert.equal(cache.get('live/s49.ts')?.bytes[0], 49);
    assert.equal(cache.get('live/s0.ts'), undefined);
  });

  it('does not keep a body larger than the whole cache, nor drop the others for it', () => {
    const cache = new SegmentCache({ maxBytes: 1 * MiB });
    cache.set('live/a.ts', body('a.ts', 1000));
    cache.set('live/huge.ts', body('huge.ts', 2 * MiB));
    assert.equal(cache.get('live/huge.ts'), undefined);
    assert.ok(cache.get('live/a.ts'));
    assert.ok(cache.bytes <= 1 * MiB);
  });

  it('counts an empty body (so it is bounded by entries too)', () => {
    const cache = new SegmentCache({ maxBytes: 1 * MiB });
    cache.set('live/empty.ts', body('empty.ts', 0));
    assert.equal(cache.get('live/empty.ts')?.bytes.byteLength, 0);
    assert.ok(cache.bytes >= 1);
  });

  it('reads a file once however many ask for it at the same time', async () => {
    const cache = new SegmentCache({ maxBytes: 8 * MiB });
    const d = deferred<Uint8Array>();
    let calls = 0;
    const read = () => {
      calls += 1;
      return d.promise;
    };
    const all = Array.from({ length: 50 }, () => cache.load('live\nseg\n0\n5\nstream5.ts', read));
    d.resolve(new Uint8Array([1, 2, 3]));
    const results = await Promise.all(all);
    assert.equal(calls, 1);
    assert.equal(cache.loads, 1);
    for (const r of results) assert.deepEqual([...r], [1, 2, 3]);
  });

  it('reads different files separately', async () => {
    const cache = new SegmentCache({ maxBytes: 8 * MiB });
    const seen: string[] = [];
    const read = (k: string) => async () => {
      seen.push(k);
      return new Uint8Array([k.length]);
    };
    await Promise.all([cache.load('a', read('a')), cache.load('bb', read('bb')), cache.load('a', read('a'))]);
    assert.deepEqual(seen.sort(), ['a', 'bb']);
  });

  it('does not keep a failed read: every waiting caller gets the error, the next load reads again', async () => {
    const cache = new SegmentCache({ maxBytes: 8 * MiB });
    const d = deferred<Uint8Array>();
    let calls = 0;
    const failing = () => {
      calls += 1;
      return d.promise;
    };
    const waiting = Array.from({ length: 5 }, () => cache.load('k', failing));
    d.reject(new Error('file is not there yet'));
    const settled = await Promise.allSettled(waiting);
    assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'file is not there yet'));
    assert.equal(calls, 1);
    const again = await cache.load('k', async () => {
      calls += 1;
      return new Uint8Array([7]);
    });
    assert.deepEqual([...again], [7]);
    assert.equal(calls, 2);
  });

  it('turns a reader that throws at once into a rejected load, and does not keep it', async () => {
    const cache = new SegmentCache({ maxBytes: 8 * MiB });
    const p = cache.load('k', () => {
      throw new Error('boom');
    });
    await assert.rejects(p, /boom/);
    assert.deepEqual([...(await cache.load('k', async () => new Uint8Array([1])))], [1]);
  });
});
