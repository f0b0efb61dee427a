// What viewers see when OBS restarts, stops, crashes, and when the folder
// disappears: real ffmpeg, real folder, the relay over HTTP.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { requireFfmpeg, startObs, type Obs, type ObsOptions } from '../../helpers/ffmpeg.js';
import { startRelay } from '../../helpers/relay.js';
import { RelayWatcher, type WatcherOptions } from '../../helpers/relay-watcher.js';
import { sleep, waitFor } from '../../helpers/wait.js';

requireFfmpeg();

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(extraArgs: string[] = [], watch: WatcherOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-life-'));
  const relay = await startRelay(['--source', join(dir, 'stream.m3u8'), '--offline-after', '2', ...extraArgs]);
  const watcher = new RelayWatcher(relay, 'live', watch).start(100);
  let obs: Obs | undefined;
  const obsOptions: ObsOptions = { dir, hlsTime: 1, listSize: 5, flags: ['delete_segments'] };
  cleanups.push(async () => {
    await watcher.stop();
    await obs?.kill();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    relay,
    watcher,
    startObs: () => (obs = startObs(obsOptions)),
    get obs() {
      return obs;
    },
  };
}

const segmentsAtLeast = (w: RelayWatcher, n: number) => () => ((w.latest?.segments.length ?? 0) >= n && !w.latest?.endList ? true : undefined);
const newestMsn = (w: RelayWatcher) => w.latest?.segments.at(-1)?.msn ?? -1;

describe('OBS restarts', () => {
  test('after a crash and a restart that reuses names from 0, the media sequence keeps going up, with a discontinuity', async () => {
    const s = await setup();
    s.startObs();
    await waitFor('first run live', segmentsAtLeast(s.watcher, 4), 30_000);
    await s.obs?.kill(); // a crash: no ENDLIST
    const before = newestMsn(s.watcher);
    const namesBefore = new Set(s.watcher.segmentHashes.keys());
    s.startObs(); // ffmpeg starts again at media sequence 0 with stream0.ts, stream1.ts…
    await waitFor('second run relayed', () => (newestMsn(s.watcher) >= before + 3 ? true : undefined), 30_000);
    await s.watcher.stop();

    assert.deepEqual(s.watcher.sequenceProblems(), []);
    assert.deepEqual(s.watcher.serverErrors(), []);
    const pl = s.watcher.latest;
    assert.ok(pl);
    const firstNew = pl.segments.find((seg) => seg.msn === before + 1);
    assert.ok(firstNew, 'the first segment after the restart is in the window');
    assert.equal(firstNew.discontinuity, true, 'EXT-X-DISCONTINUITY before the restarted stream');
    for (const seg of pl.segments.filter((x) => x.msn > before)) {
      assert.ok(!namesBefore.has(seg.uri), `URL ${seg.uri} was not used before the restart`);
    }
    // Every URL always served the same bytes (the watcher hashed each once; re-fetch now and compare).
    for (const [uri, hash] of s.watcher.segmentHashes) {
      const res = await s.relay.get(`/hls/live/${uri}`);
      if (res.status === 200) {
        const { sha1 } = await import('../../helpers/relay-watcher.js');
        assert.equal(sha1(Buffer.from(await res.arrayBuffer())), hash, `${uri} still serves the same bytes`);
      } else {
        await res.arrayBuffer();
        assert.equal(res.status, 404, `${uri}: gone is a 404, never a 5xx`);
      }
    }
  });
});

describe('offline and back online, with the offline slate (issue 12)', () => {
  test('OBS stops: offline at once, the playlist goes on with slate segments after a discontinuity (no ENDLIST); OBS starts again reusing names from 0: live again after another discontinuity', async () => {
    const s = await setup();
    s.startObs();
    await waitFor('live', segmentsAtLeast(s.watcher, 3), 30_000);
    assert.equal((await s.relay.status()).online, true);

    await s.obs?.stop(); // "Stop Recording": ffmpeg writes EXT-X-ENDLIST
    await waitFor('offline', async () => ((await s.relay.status()).online === false ? true : undefined), 5_000, 100);
    const lastReal = newestMsn(s.watcher);
    const slated = await waitFor('slate segments in the playlist', () => {
      const pl = s.watcher.latest;
      const after = pl?.segments.filter((x) => x.msn > lastReal) ?? [];
      return after.length >= 3 ? pl : undefined;
    }, 10_000);
    assert.equal(slated.endList, false, 'the playlist stays open while OBS is away');
    // OBS's last, short segment can land just after the status says offline (the watcher polls): the slate
    // follows it, after a discontinuity, and no other OBS segment comes between.
    const afterStop = slated.segments.filter((x) => x.msn > lastReal);
    const slateAt = afterStop.findIndex((x) => x.discontinuity);
    assert.ok(slateAt === 0 || slateAt === 1, `the slate follows a discontinuity, at most one OBS segment after the status went offline (found at ${slateAt})`);
    const firstSlate = afterStop[slateAt];
    assert.ok(afterStop.slice(slateAt + 1).every((x) => !x.discontinuity), 'slate segments play as one stream');
    const status = await s.relay.status();
    assert.equal(status.streams['live']?.slate, 'built-in');
    // A slate segment is a real MPEG-TS clip of the offline image, served like any other.
    const res = await s.relay.get(`/hls/live/${firstSlate?.uri}`);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.ok(bytes.length > 0 && bytes.length % 188 === 0 && bytes[0] === 0x47);

    s.startObs();
    const back = await waitFor('live again', () => {
      const pl = s.watcher.latest;
      // OBS's first new segment follows the slate after another discontinuity.
      const real = pl?.segments.filter((x) => x.msn > (firstSlate?.msn ?? lastReal) && x.discontinuity) ?? [];
      return pl && real.length > 0 ? pl : undefined;
    }, 30_000);
    await waitFor('online', async () => ((await s.relay.status()).online === true ? true : undefined), 10_000, 100);
    assert.equal(back.endList, false);
    await s.watcher.stop();
    // Every version: monotonic sequences, ENDLIST never written, a new segment within 1.5 target durations all along.
    assert.deepEqual(s.watcher.sequenceProblems(), []);
    assert.deepEqual(s.watcher.serverErrors(), []);
    const statusAfter = await s.relay.status();
    assert.equal(statusAfter.streams['live']?.slate, null);
  });

  test('OBS crashes: the slate fills in after 1.5 target durations, and the stream goes offline after max(3 x target duration, --offline-after)', async () => {
    const s = await setup();
    s.startObs();
    await waitFor('live', segmentsAtLeast(s.watcher, 3), 30_000);
    await s.obs?.kill();
    const killedAt = Date.now();
    await waitFor('offline', async () => ((await s.relay.status()).online === false ? true : undefined), 15_000, 100);
    const took = Date.now() - killedAt;
    const td = s.watcher.latest?.targetDuration ?? 1;
    assert.ok(took >= Math.max(3 * td, 2) * 1000 - 1500, `went offline after ${took} ms`);
    assert.equal(s.watcher.latest?.endList, false);
    await s.watcher.stop();
    assert.deepEqual(s.watcher.sequenceProblems(), []);
    assert.deepEqual(s.watcher.serverErrors(), []);
  });

  test('the streamer ends the stream (admin API): ENDLIST now; a stream that starts after it is a new presentation at the same URL, its media sequence going on', async () => {
    const s = await setup();
    s.startObs();
    await waitFor('live', segmentsAtLeast(s.watcher, 3), 30_000);
    await s.obs?.stop();
    const token = readFileSync(join(s.relay.dataDir, 'admin-token'), 'utf8').trim();
    const end = await s.relay.get('/api/admin/end', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(end.status, 200);
    await end.arrayBuffer();
    await waitFor('ENDLIST', () => (s.watcher.latest?.endList ? true : undefined), 5_000);
    const ended = s.watcher.latest;
    const lastMsn = newestMsn(s.watcher);
    assert.equal((await s.relay.get('/api/admin/streams/nope/end', { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 404);

    s.startObs();
    const fresh = await waitFor('a new presentation', () => (s.watcher.latest && !s.watcher.latest.endList ? s.watcher.latest : undefined), 30_000);
    assert.ok(fresh.mediaSequence > lastMsn, 'none of the ended presentation\'s segments is listed');
    assert.ok(fresh.segments.every((x) => !ended?.segments.some((o) => o.uri === x.uri)));
    assert.equal(fresh.segments[0]?.discontinuity, true);
    await s.watcher.stop();
    assert.deepEqual(s.watcher.sequenceProblems(), []);
    assert.deepEqual(s.watcher.serverErrors(), []);
  });
});

describe('offline and back online, without the slate (--no-offline-slate)', () => {
  test('OBS stops: offline at once with ENDLIST; OBS starts again: a new presentation, the sequence going on after a discontinuity', async () => {
    const s = await setup(['--no-offline-slate'], { checkGrowth: false });
    s.startObs();
    await waitFor('live', segmentsAtLeast(s.watcher, 3), 30_000);
    await s.obs?.stop();
    await waitFor('ENDLIST in the relay playlist', () => (s.watcher.latest?.endList ? true : undefined), 5_000);
    assert.equal((await s.relay.status()).online, false);
    const lastMsn = newestMsn(s.watcher);
    // The ended playlist and its segments stay available to viewers.
    const seg = s.watcher.latest?.segments.at(-1);
    const res = await s.relay.get(`/hls/live/${seg?.uri}`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();

    s.startObs();
    await waitFor('live again', () => (s.watcher.latest && !s.watcher.latest.endList && newestMsn(s.watcher) > lastMsn ? true : undefined), 30_000);
    assert.equal((await s.relay.status()).online, true);
    const resumed = s.watcher.latest?.segments.find((x) => x.msn === lastMsn + 1);
    assert.ok(resumed, 'media sequence continues where it stopped');
    assert.equal(resumed.discontinuity, true);
    await s.watcher.stop();
    assert.deepEqual(s.watcher.sequenceProblems(), []);
    assert.deepEqual(s.watcher.serverErrors(), []);
  });
});

describe('the folder disappears (a dropped share)', () => {
  test('viewers never get a 5xx, cached segments stay served, and the stream comes back by itself', async () => {
    const s = await setup();
    s.startObs();
    await waitFor('live', segmentsAtLeast(s.watcher, 4), 30_000);
    const held = s.watcher.latest?.segments.at(-1)?.uri;
    assert.ok(held);

    await s.obs?.kill();
    const away = `${s.dir}.gone`;
    renameSync(s.dir, away);
    cleanups.push(() => rmSync(away, { recursive: true, force: true }));
    await waitFor('source error in status', async () => ((await s.relay.status()).streams['live']?.source.state === 'error' ? true : undefined), 10_000);
    const during = await s.relay.get(`/hls/live/${held}`);
    assert.equal(during.status, 200, 'a cached segment is still served while the folder is gone');
    await during.arrayBuffer();
    await waitFor('offline while the folder is gone', async () => ((await s.relay.status()).online === false ? true : undefined), 15_000);
    const lastMsn = newestMsn(s.watcher);

    mkdirSync(s.dir);
    s.startObs();
    await waitFor('live again after the folder came back', () => (s.watcher.latest && !s.watcher.latest.endList && newestMsn(s.watcher) > lastMsn + 1 ? true : undefined), 30_000);
    const status = await s.relay.status();
    assert.equal(status.streams['live']?.source.state, 'ok');
    await sleep(300);
    await s.watcher.stop();
    assert.deepEqual(s.watcher.serverErrors(), []);
    assert.deepEqual(s.watcher.sequenceProblems(), []);
  });
});

describe('sharecast itself restarts', () => {
  test('the media sequence continues from where it was, after a discontinuity, and no URL is reused', async () => {
    const { mkdtempSync: mk } = await import('node:fs');
    const data = mk(join(tmpdir(), 'sharecast-restart-'));
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const first = await startRelay(['--source', 'demo'], { dataDir: data });
    const before = await waitFor('demo live', async () => {
      const pl = await first.playlist();
      return pl && pl.segments.length >= 3 ? pl : undefined;
    }, 15_000);
    await first.stop();
    const second = await startRelay(['--source', 'demo'], { dataDir: data });
    cleanups.push(() => second.stop());
    const after = await waitFor('demo live again', () => second.playlist(), 15_000);
    const lastBefore = before.segments.at(-1);
    assert.ok(lastBefore);
    assert.ok(after.mediaSequence > lastBefore.msn, `media sequence ${after.mediaSequence} continues after ${lastBefore.msn}`);
    assert.ok(after.discontinuitySequence >= before.discontinuitySequence);
    assert.equal(after.segments[0]?.discontinuity, true, 'a discontinuity marks the restart');
    const oldNames = new Set(before.segments.map((s) => s.uri));
    for (const s of after.segments) assert.ok(!oldNames.has(s.uri), `${s.uri} is a new URL`);
  });
});
