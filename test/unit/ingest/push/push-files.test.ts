import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SharecastError } from '../../../../src/errors.js';
import { PushFiles } from '../../../../src/ingest/push/push-files.js';
import type { GrowthListener } from '../../../../src/ingest/source.js';

const KB = 1024;

function files(o: { maxFileBytes?: number; maxBytes?: number } = {}) {
  let now = 1_000_000;
  const f = new PushFiles({ maxFileBytes: o.maxFileBytes ?? 64 * KB, maxBytes: o.maxBytes ?? 256 * KB, now: () => now });
  return { f, advance: (ms: number) => (now += ms) };
}

/** A follower that records what it heard. */
function recorder() {
  const heard: string[] = [];
  const chunks: Buffer[] = [];
  let resolve!: () => void;
  const ended = new Promise<void>((r) => (resolve = r));
  const listener: GrowthListener = {
    onData: (b) => {
      chunks.push(Buffer.from(b));
      heard.push(`data ${b.byteLength}`);
    },
    onComplete: (n) => {
      heard.push(`complete ${n}`);
      resolve();
    },
    onGone: (e) => {
      heard.push(`gone ${e.code}`);
      resolve();
    },
  };
  return { listener, heard, ended, bytes: () => Buffer.concat(chunks) };
}

const tick = () => new Promise((r) => setImmediate(r));
const code = (c: string) => (err: unknown) => err instanceof SharecastError && err.code === c;

describe('PushFiles: one push stream\'s uploads in memory', () => {
  it('makes an upload readable only once it is complete; one that breaks off never is', async () => {
    const { f } = files();
    const u = f.begin('a.ts', 'media', '10.0.0.1', undefined);
    u.write(Buffer.from('hello '));
    assert.equal(f.get('a.ts'), undefined, 'not readable while it comes');
    u.write(Buffer.from('world'));
    u.complete();
    assert.equal(f.get('a.ts')?.toString(), 'hello world');

    const broken = f.begin('b.ts', 'media', '10.0.0.1', 100);
    broken.write(Buffer.alloc(50));
    broken.abort(new SharecastError(ErrorCode.PushIncomplete, 'cut'));
    assert.equal(f.get('b.ts'), undefined);
    await assert.rejects(broken.done, code(ErrorCode.PushIncomplete));
    assert.equal(f.used, 'hello world'.length + KB, 'the broken upload gave its memory back');
  });

  it('follows an upload in progress from its first byte, then each chunk as it comes, then its end', async () => {
    const { f } = files();
    const u = f.begin('seg.m4s', 'media', 'c', undefined);
    u.write(Buffer.from('12345'));
    const r = recorder();
    f.follow('seg.m4s', r.listener, 1000);
    u.write(Buffer.from('678'));
    await tick();
    u.write(Buffer.from('9'));
    u.complete();
    await r.ended;
    assert.deepEqual(r.heard, ['data 5', 'data 3', 'data 1', 'complete 9']);
    assert.equal(r.bytes().toString(), '123456789');
  });

  it('follows an upload that has not started yet, and gives up when it never does', async () => {
    const { f } = files();
    const early = recorder();
    f.follow('next.m4s', early.listener, 1000);
    await tick();
    const u = f.begin('next.m4s', 'media', 'c', undefined);
    u.write(Buffer.from('ab'));
    u.complete();
    await early.ended;
    assert.deepEqual(early.heard, ['data 2', 'complete 2']);

    const never = recorder();
    f.follow('never.m4s', never.listener, 30);
    await Promise.race([never.ended, new Promise((r) => setTimeout(r, 1000))]);
    assert.deepEqual(never.heard, [`gone ${ErrorCode.SegmentIncomplete}`]);
  });

  it('tells a follower when the upload breaks off, and a stopped follower hears nothing more', async () => {
    const { f } = files();
    const u = f.begin('s.m4s', 'media', 'c', undefined);
    const r = recorder();
    f.follow('s.m4s', r.listener, 1000);
    const quiet = recorder();
    const stop = f.follow('s.m4s', quiet.listener, 1000);
    u.write(Buffer.from('x'));
    await tick();
    stop();
    u.abort(new SharecastError(ErrorCode.PushIncomplete, 'cut'));
    await r.ended;
    assert.deepEqual(r.heard, ['data 1', `gone ${ErrorCode.PushIncomplete}`]);
    assert.deepEqual(quiet.heard, ['data 1']);
  });

  it('gives a complete file to a follower at once', async () => {
    const { f } = files();
    const u = f.begin('done.m4s', 'media', 'c', undefined);
    u.write(Buffer.from('abc'));
    u.complete();
    const r = recorder();
    f.follow('done.m4s', r.listener, 1000);
    await r.ended;
    assert.deepEqual(r.heard, ['data 3', 'complete 3']);
  });

  it('refuses an upload over the file cap, declared or streamed', () => {
    const { f } = files({ maxFileBytes: 10 * KB });
    assert.throws(() => f.begin('big.ts', 'media', 'c', 10 * KB + 1), code(ErrorCode.PushTooLarge));
    const u = f.begin('big.ts', 'media', 'c', undefined);
    u.write(Buffer.alloc(10 * KB));
    assert.throws(() => u.write(Buffer.alloc(1)), code(ErrorCode.PushTooLarge));
  });

  it('makes room from what the stream took and what no playlist lists, never from listed segments it has not taken', () => {
    const { f } = files({ maxFileBytes: 40 * KB, maxBytes: 80 * KB });
    const put = (path: string, size: number) => {
      const u = f.begin(path, 'media', 'c', size);
      u.write(Buffer.alloc(size));
      u.complete();
    };
    put('a.ts', 30 * KB);
    put('b.ts', 30 * KB);
    f.setListed(new Set(['a.ts', 'b.ts']), new Set());
    f.get('a.ts', true); // taken by the stream
    put('c.ts', 30 * KB);
    assert.equal(f.get('a.ts'), undefined, 'the taken one made room');
    assert.ok(f.get('b.ts') && f.get('c.ts'));
    f.setListed(new Set(['b.ts', 'c.ts']), new Set());
    const u = f.begin('d.ts', 'media', 'c', undefined);
    assert.throws(() => u.write(Buffer.alloc(40 * KB)), code(ErrorCode.PushMemoryFull), 'listed, untaken segments are never dropped');
    assert.ok(f.get('b.ts') && f.get('c.ts'));
  });

  it('counts uploads in progress against the cap', () => {
    const { f } = files({ maxFileBytes: 40 * KB, maxBytes: 100 * KB });
    const a = f.begin('a.m4s', 'media', 'c', undefined);
    const b = f.begin('b.m4s', 'media', 'c', undefined);
    a.write(Buffer.alloc(40 * KB));
    b.write(Buffer.alloc(40 * KB));
    assert.throws(() => f.begin('c.m4s', 'media', 'c', 30 * KB), code(ErrorCode.PushMemoryFull));
  });

  it('drops files no playlist lists once taken or after a while, and taken listed segments after a while; keeps listed init sections', () => {
    const { f, advance } = files();
    const put = (path: string) => {
      const u = f.begin(path, 'media', 'c', undefined);
      u.write(Buffer.from(path));
      u.complete();
    };
    for (const p of ['init.mp4', 'old.ts', 'taken.ts', 'listed.ts', 'fresh.ts']) put(p);
    f.get('taken.ts', true);
    f.get('listed.ts', true);
    f.get('init.mp4', true);
    f.setListed(new Set(['init.mp4', 'listed.ts']), new Set(['init.mp4']));
    assert.equal(f.get('taken.ts'), undefined, 'taken and unlisted: gone');
    assert.ok(f.get('old.ts') && f.get('fresh.ts') && f.get('listed.ts'));
    advance(31_000);
    f.setListed(new Set(['init.mp4', 'listed.ts']), new Set(['init.mp4']));
    assert.equal(f.get('old.ts'), undefined, 'never listed: gone after a while');
    assert.equal(f.get('listed.ts'), undefined, 'taken a while ago: gone');
    assert.ok(f.get('init.mp4'), 'a listed init section stays');
  });

  it('replaces a file by a new upload of the same name at once, and cuts off an earlier upload still coming', async () => {
    const { f } = files();
    const first = f.begin('s.ts', 'media', 'c', undefined);
    first.write(Buffer.from('old'));
    first.complete();
    const again = f.begin('s.ts', 'media', 'c', undefined);
    assert.equal(again.replaces, true);
    assert.equal(f.get('s.ts'), undefined, 'the old bytes are not served for the new upload');
    const third = f.begin('s.ts', 'media', 'c', undefined);
    await assert.rejects(again.done, code(ErrorCode.SegmentIncomplete));
    third.write(Buffer.from('new'));
    third.complete();
    assert.equal(f.get('s.ts')?.toString(), 'new');
    assert.equal(f.remove('s.ts'), true);
    assert.equal(f.get('s.ts'), undefined);
    assert.equal(f.used, 0);
  });

  it('takes a DASH manifest and keeps nothing of it', () => {
    const { f } = files();
    const u = f.begin('stream.mpd', 'manifest', 'c', undefined);
    u.write(Buffer.alloc(2000));
    u.complete();
    assert.equal(f.get('stream.mpd'), undefined);
    assert.equal(f.used, 0);
  });
});
