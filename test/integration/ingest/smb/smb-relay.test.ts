// End to end over SMB: a real ffmpeg writes HLS into a folder that a real
// smbd shares, as OBS would on the streamer's machine; sharecast reads it with
// an smb:// source and serves it over HTTP to a viewer. Then smbd is killed
// mid-stream and restarted.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg } from '../../../helpers/ffmpeg.js';
import { startObsRelay, type ObsRelay } from '../../../helpers/obs-relay.js';
import type { Relay } from '../../../helpers/relay.js';
import type { RelayWatcher } from '../../../helpers/relay-watcher.js';
import { startSamba, type SambaServer } from '../../../helpers/samba.js';
import { sleep, waitFor } from '../../../helpers/wait.js';
import { writtenFiles } from '../../../helpers/written-files.js';

requireFfmpeg();

/** sha1 -> name of every .ts ffmpeg wrote. */
describe('relay over SMB: ffmpeg -> share -> smbd -> sharecast -> viewer', () => {
  let samba: SambaServer;
  let rig: ObsRelay;
  let relay: Relay;
  let watcher: RelayWatcher;
  let dir: string;

  before(async () => {
    samba = await startSamba({ global: { 'server signing': 'mandatory' } });
    dir = join(samba.sharePath(), 'OBS recordings');
    mkdirSync(dir);
    // The password comes from --smb-password, not the URI, as SHARECAST_SMB_PASSWORD would give it.
    const uri = `smb://${samba.user}@${samba.host}:${samba.port}/share/OBS%20recordings/stream.m3u8`;
    // The share is killed on purpose below: no offline slate here (its clips are not files ffmpeg wrote, which the first test checks), and the stall is expected.
    rig = await startObsRelay(dir, ['--source', uri, '--smb-password', samba.password, '--offline-after', '3', '--no-offline-slate'], { checkGrowth: false });
    ({ relay, watcher } = rig);
  });

  after(async () => {
    await rig?.stop();
    await samba?.cleanup();
  });

  test('every segment a viewer gets is byte-identical to a file ffmpeg wrote, in order', async () => {
    await watcher.stop();
    const written = writtenFiles(dir);
    const numbers: number[] = [];
    for (const [uri, hash] of watcher.segmentHashes) {
      const source = written.get(hash);
      assert.ok(source, `relay segment ${uri} matches no file ffmpeg wrote`);
      numbers.push(Number(/(\d+)\.ts$/.exec(source)?.[1]));
    }
    assert.ok(numbers.length >= 4);
    for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], (numbers[i - 1] as number) + 1, 'in order, none skipped');
    const status = await relay.status();
    assert.equal(status.streams['live']?.source.state, 'ok');
    assert.equal(status.streams['live']?.online, true);
    watcher.start(100);
  });

  test('smbd killed mid-stream and restarted: no 5xx, offline after the timeout, the media sequence stays monotonic, back by itself', async () => {
    const beforeKill = watcher.latest;
    assert.ok(beforeKill);
    const lastMsn = Math.max(...beforeKill.segments.map((s) => s.msn));
    await samba.kill();
    const down = await waitFor(
      'the source error in /api/status',
      async () => {
        const s = (await relay.status()).streams['live'];
        return s?.source.state === 'error' ? s : undefined;
      },
      10_000,
    );
    assert.equal(down.source.error?.code, 'source_unavailable');
    // The viewer keeps being served while the share is gone; the stream goes offline after the timeout.
    await waitFor('the stream offline', async () => (await relay.status()).streams['live']?.online === false, 15_000);
    await sleep(500);
    await samba.start();
    await waitFor(
      'new segments after the restart',
      () => (watcher.latest?.segments.some((s) => s.msn > lastMsn + 3) ? true : undefined),
      40_000,
    );
    await waitFor('the source ok again', async () => (await relay.status()).streams['live']?.source.state === 'ok', 10_000);
    await waitFor('the stream online again', async () => (await relay.status()).streams['live']?.online === true, 10_000);
    await watcher.stop();
    assert.deepEqual(watcher.serverErrors(), [], 'no 5xx for the viewer');
    assert.deepEqual(watcher.sequenceProblems(), []);
    const sequences = watcher.playlists.map((p) => p.mediaSequence);
    for (let i = 1; i < sequences.length; i++) assert.ok((sequences[i] as number) >= (sequences[i - 1] as number), 'media sequence never goes back');
    // What arrived after the restart is still ffmpeg's bytes.
    const written = writtenFiles(dir);
    for (const [uri, hash] of watcher.segmentHashes) assert.ok(written.has(hash), `${uri} is a file ffmpeg wrote`);
  });
});
