import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentStore, contentTypeFor, extensionOf, makeBody } from '../../../src/stream/segment-store.js';

const MiB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 20, 17, 4, 15);

const bytes = (size: number, fill = 1) => new Uint8Array(size).fill(fill);

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

describe('extensionOf', () => {
  it('keeps a plain extension, lower case, and falls back for anything else', () => {
    assert.equal(extensionOf('stream5.TS', '.ts'), '.ts');
    assert.equal(extensionOf('chunk-stream0-00005.m4s?x=1', '.ts'), '.m4s');
    assert.equal(extensionOf('init', '.mp4'), '.mp4');
    assert.equal(extensionOf('evil.m4s/../x.<script>', '.ts'), '.ts');
  });
});

describe('SegmentStore', () => {
  it('names files by run and media sequence, so a name is never reused across runs', () => {
    const store = new SegmentStore({ maxBytes: MiB });
    const a = store.stream('live', 'runA');
    const b = new SegmentStore({ maxBytes: MiB }).stream('live', 'runB');
    assert.equal(a.segmentName(12, '.ts'), 'runA-12.ts');
    assert.equal(a.partName(12, 3, '.m4s'), 'runA-12.3.m4s');
    assert.notEqual(a.segmentName(12, '.ts'), b.segmentName(12, '.ts'));
    assert.deepEqual([a.newInitName('.mp4'), a.newInitName('.mp4')], ['runA-init0.mp4', 'runA-init1.mp4']);
  });

  it('never evicts a pinned body; once unpinned, bodies leave least recently used first, pinned and LRU within maxBytes together', () => {
    const store = new SegmentStore({ maxBytes: 1 * MiB });
    const files = store.stream('live', 'r');
    const size = 300 * 1024;
    const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `s${to - k}.ts`);
    for (let i = 0; i < 3; i++) files.put(`s${i}.ts`, bytes(size, i), NOW);
    files.keep(names(0, 2));
    for (let i = 0; i < 3; i++) assert.equal(files.get(`s${i}.ts`)?.bytes[0], i);
    assert.equal(store.pinnedBytes, 3 * size);
    files.keep(['s2.ts']);
    assert.equal(store.pinnedBytes, size);
    assert.ok(store.lruBytes + store.pinnedBytes <= 1 * MiB);
    files.get('s0.ts'); // used: s1 is older
    files.put('s3.ts', bytes(size, 3), NOW);
    files.keep(['s3.ts', 's2.ts']);
    assert.ok(store.lruBytes + store.pinnedBytes <= 1 * MiB);
    assert.equal(files.get('s1.ts'), undefined, 'the least recently used unpinned body went first');
    assert.equal(files.get('s0.ts')?.bytes[0], 0);
    for (let i = 4; i < 40; i++) {
      files.put(`s${i}.ts`, bytes(size, i), NOW);
      files.keep([`s${i}.ts`, `s${i - 1}.ts`]);
      assert.ok(store.lruBytes + store.pinnedBytes <= 1 * MiB, `${store.lruBytes} + ${store.pinnedBytes} bytes held`);
      assert.ok(files.pinned(`s${i}.ts`) && files.pinned(`s${i - 1}.ts`));
    }
    assert.equal(files.get('s39.ts')?.bytes[0], 39);
    assert.equal(files.get('s0.ts'), undefined);
  });

  it('never pins more than the cache: a window larger than it keeps its newest bodies pinned and says how much was left out (issue 10, item 3)', () => {
    const store = new SegmentStore({ maxBytes: 1 * MiB });
    const files = store.stream('live', 'r');
    const size = 300 * 1024;
    // Ten segments of 300 KiB: a window of 3 MiB in a cache of 1 MiB, most wanted (newest) first.
    const window: string[] = [];
    let last;
    for (let i = 0; i < 10; i++) {
      files.put(`s${i}.ts`, bytes(size, i), NOW);
      window.unshift(`s${i}.ts`);
      last = files.keep(window);
      assert.ok(store.pinnedBytes <= 1 * MiB, `${store.pinnedBytes} bytes pinned after ${i + 1} segments`);
      assert.ok(store.pinnedBytes + store.lruBytes <= 1 * MiB);
      assert.ok(files.pinned(`s${i}.ts`), 'the newest is always pinned');
    }
    assert.deepEqual(last, { pinnedBytes: 3 * size, left: 7, leftBytes: size, budgetBytes: MiB }, 'seven left out, of which one was still held (and then pushed out)');
    assert.equal(files.keep(window).left, 7, 'asked again, the same seven are still missing');
    assert.deepEqual(window.filter((n) => files.pinned(n)), ['s9.ts', 's8.ts', 's7.ts']);
    // The window shrinks back: what is still in the LRU is pinned again.
    const shrunk = files.keep(['s9.ts', 's8.ts']);
    assert.equal(shrunk.left, 0);
  });

  it('shares the cache between streams: one stream pins what the others leave', () => {
    const store = new SegmentStore({ maxBytes: 1 * MiB });
    const a = store.stream('a', 'r');
    const b = store.stream('b', 'r');
    a.put('a0.ts', bytes(600 * 1024), NOW);
    a.keep(['a0.ts']);
    b.put('b1.ts', bytes(300 * 1024), NOW);
    b.put('b0.ts', bytes(300 * 1024), NOW);
    const kept = b.keep(['b1.ts', 'b0.ts']);
    assert.equal(kept.budgetBytes, 1 * MiB - 600 * 1024);
    assert.equal(kept.left, 1);
    assert.ok(store.pinnedBytes <= 1 * MiB);
  });

  it('keeps streams apart', () => {
    const store = new SegmentStore({ maxBytes: MiB });
    store.stream('a', 'r').put('x.ts', bytes(10, 1), NOW);
    store.stream('b', 'r').put('x.ts', bytes(10, 2), NOW);
    assert.equal(store.stream('a', 'r').get('x.ts')?.bytes[0], 1);
    assert.equal(store.stream('b', 'r').get('x.ts')?.bytes[0], 2);
  });

  it('does not keep an unpinned body larger than the whole cache, nor drop the others for it', () => {
    const store = new SegmentStore({ maxBytes: 1 * MiB });
    const files = store.stream('live', 'r');
    files.put('a.ts', bytes(1000), NOW);
    files.put('huge.ts', bytes(2 * MiB), NOW);
    assert.ok(files.get('huge.ts'), 'pinned, so served while in the window');
    files.keep(['a.ts']);
    assert.equal(files.get('huge.ts'), undefined);
    assert.ok(files.get('a.ts'));
    assert.ok(store.lruBytes <= 1 * MiB);
  });

  it('refuses other bytes under a name already stored, and takes the same bytes again', () => {
    const files = new SegmentStore({ maxBytes: MiB }).stream('live', 'r');
    const first = files.put('r-1.ts', bytes(10, 1), NOW);
    assert.equal(files.put('r-1.ts', bytes(10, 1), NOW + 5), first);
    assert.throws(() => files.put('r-1.ts', bytes(10, 2), NOW), /already taken/);
  });

  it('tells an observer every pinned body first, then each body and unpin', () => {
    const files = new SegmentStore({ maxBytes: MiB }).stream('live', 'r');
    files.put('a.ts', bytes(1), NOW);
    const seen: string[] = [];
    const off = files.observe((e) => seen.push(e.type === 'body' ? `body ${e.name}` : `unpin ${e.names.join(',')}`));
    files.put('b.ts', bytes(1), NOW);
    files.keep(['b.ts']);
    off();
    files.put('c.ts', bytes(1), NOW);
    assert.deepEqual(seen, ['body a.ts', 'body b.ts', 'unpin a.ts']);
  });

  it('counts an empty body in the LRU (so it is bounded by entries too)', () => {
    const store = new SegmentStore({ maxBytes: MiB });
    const files = store.stream('live', 'r');
    files.put('empty.ts', bytes(0), NOW);
    assert.equal(files.get('empty.ts')?.bytes.byteLength, 0);
    files.keep([]);
    assert.equal(files.get('empty.ts')?.bytes.byteLength, 0);
    assert.ok(store.lruBytes >= 1);
  });
});

describe('GrowingSegment', () => {
  it('publishes parts one by one, each immutable, and the segment as their exact concatenation', () => {
    const files = new SegmentStore({ maxBytes: MiB }).stream('live', 'r');
    const seg = files.beginSegment(7, '.m4s');
    assert.equal(seg.name, 'r-7.m4s');
    assert.equal(seg.nextPartName, 'r-7.0.m4s');
    const p0 = seg.addPart(Buffer.from('moof0mdat0'), NOW);
    const p1 = seg.addPart(Buffer.from('moof1mdat1'), NOW);
    assert.deepEqual([p0, p1], ['r-7.0.m4s', 'r-7.1.m4s']);
    assert.equal(files.get(p0)?.bytes.toString(), 'moof0mdat0');
    assert.equal(files.get('r-7.m4s'), undefined, 'the segment is not public before it is complete');
    assert.equal(seg.byteLength, 20);
    const whole = seg.complete(NOW, Buffer.from('tail'));
    assert.equal(whole.bytes.toString(), 'moof0mdat0moof1mdat1tail');
    assert.equal(files.get('r-7.m4s'), whole);
    assert.equal(files.get(p1)?.bytes.toString(), 'moof1mdat1', 'parts stay as they were');
    assert.throws(() => seg.addPart(Buffer.from('late'), NOW), /already complete/);
  });
});
