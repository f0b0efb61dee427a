import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SharecastError } from '../../../src/errors.js';
import { FolderSource } from '../../../src/ingest/folder-source.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { waitFor } from '../../helpers/wait.js';

/** What a follow reported. */
function recorder() {
  const r = { bytes: [] as Buffer[], complete: undefined as number | undefined, gone: undefined as SharecastError | undefined };
  return {
    r,
    listener: {
      onData: (b: Uint8Array) => r.bytes.push(Buffer.from(b)),
      onComplete: (n: number) => (r.complete = n),
      onGone: (e: SharecastError) => (r.gone = e),
    },
    all: () => Buffer.concat(r.bytes),
  };
}

describe('folder source: following a segment while it grows (LL-HLS)', () => {
  let dir: string;
  let outside: string;
  let source: FolderSource;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sharecast-follow-'));
    outside = mkdtempSync(join(tmpdir(), 'sharecast-outside-'));
    source = new FolderSource({ path: dir, logger: nullLogger, poll: false, pollIntervalMs: 250, followIntervalMs: 10, followIdleMs: 1500 });
    await source.start({ onPlaylist: () => undefined, onStatus: () => undefined });
  });

  after(async () => {
    await source.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('passes on every byte in order as NAME.tmp grows, and completes once it is renamed to NAME', async () => {
    const rec = recorder();
    const stop = source.follow('chunk-1.m4s', rec.listener);
    writeFileSync(join(dir, 'chunk-1.m4s.tmp'), 'styp');
    await waitFor('the first bytes', () => rec.all().length === 4);
    appendFileSync(join(dir, 'chunk-1.m4s.tmp'), 'moof1mdat1');
    await waitFor('more bytes', () => rec.all().length === 14);
    appendFileSync(join(dir, 'chunk-1.m4s.tmp'), 'moof2mdat2');
    renameSync(join(dir, 'chunk-1.m4s.tmp'), join(dir, 'chunk-1.m4s'));
    await waitFor('complete', () => rec.r.complete !== undefined);
    assert.equal(rec.all().toString(), 'stypmoof1mdat1moof2mdat2');
    assert.equal(rec.r.complete, 24);
    assert.equal(rec.r.gone, undefined);
    stop();
  });

  it('reads a segment already in place whole, and completes at once', async () => {
    writeFileSync(join(dir, 'chunk-2.m4s'), 'whole segment');
    const rec = recorder();
    source.follow('chunk-2.m4s', rec.listener);
    await waitFor('complete', () => rec.r.complete !== undefined);
    assert.equal(rec.all().toString(), 'whole segment');
  });

  it('never reads a growing file that is a link out of the source', async () => {
    writeFileSync(join(outside, 'secret'), 'not for viewers');
    symlinkSync(join(outside, 'secret'), join(dir, 'chunk-3.m4s.tmp'));
    const rec = recorder();
    source.follow('chunk-3.m4s', rec.listener);
    await waitFor('gone', () => rec.r.gone !== undefined);
    assert.equal(rec.r.gone?.code, 'path_outside_source');
    assert.equal(rec.all().length, 0);
  });

  it('gives up on a segment deleted before it was complete, or one that never appears', async () => {
    const rec = recorder();
    source.follow('chunk-4.m4s', rec.listener);
    writeFileSync(join(dir, 'chunk-4.m4s.tmp'), 'half');
    await waitFor('the first bytes', () => rec.all().length === 4);
    unlinkSync(join(dir, 'chunk-4.m4s.tmp'));
    await waitFor('gone', () => rec.r.gone !== undefined);
    assert.equal(rec.r.gone?.code, 'segment_incomplete');
    assert.equal(rec.r.complete, undefined);

    const never = recorder();
    source.follow('chunk-5.m4s', never.listener);
    await waitFor('gone', () => never.r.gone !== undefined, 5000);
    assert.match(never.r.gone?.message ?? '', /never appeared/);
  });

  it('refuses a URI that leaves the source folder', () => {
    assert.throws(() => source.follow('../x.m4s', recorder().listener), /escapes the source folder/);
  });
});
