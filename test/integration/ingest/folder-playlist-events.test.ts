// The folder source notices every playlist version from file events alone,
// even two written tens of milliseconds apart: ffmpeg's dash muxer rewrites
// every media playlist once per stream at a segment's end (audio's segment
// ends ~30 ms before video's), and chokidar passes on at most one change per
// file per 50 ms. A missed version waited for the safety-net timer (1 s),
// which held back the next segment's LL-HLS parts for up to a second.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FolderSource } from '../../../src/ingest/folder-source.js';
import type { PlaylistSnapshot } from '../../../src/ingest/source.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { sleep, waitFor } from '../../helpers/wait.js';

function playlist(segments: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < segments; i++) lines.push('#EXTINF:1.000000,', `seg${i}.ts`);
  return `${lines.join('\n')}\n`;
}

describe('folder source: playlist versions written in quick succession', () => {
  let dir: string;
  let source: FolderSource;
  const seen: PlaylistSnapshot[] = [];

  /** As ffmpeg writes a playlist: a temp file renamed over the old one. */
  const write = (segments: number) => {
    writeFileSync(join(dir, 'stream.m3u8.tmp'), playlist(segments));
    renameSync(join(dir, 'stream.m3u8.tmp'), join(dir, 'stream.m3u8'));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sharecast-events-'));
    write(1);
    // The safety net is a minute away: only file events can tell the source in time.
    source = new FolderSource({ path: join(dir, 'stream.m3u8'), logger: nullLogger, poll: false, pollIntervalMs: 1000, safetyIntervalMs: 60_000 });
    await source.start({ onPlaylist: (s) => seen.push(s), onStatus: () => undefined });
    await waitFor('the first version', () => seen.some((s) => s.text === playlist(1)), 5000);
    await sleep(300); // the watcher is up and the first events are past
  });

  after(async () => {
    await source?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the second of two versions 20 ms apart is seen without waiting for the safety-net timer', async () => {
    for (let round = 2; round <= 6; round += 2) {
      write(round);
      await sleep(20);
      write(round + 1);
      await waitFor(`version ${round + 1} (written 20 ms after version ${round})`, () => seen.some((s) => s.text === playlist(round + 1)), 5000, 20);
      await sleep(200);
    }
    assert.equal(seen.at(-1)?.text, playlist(7));
  });
});
