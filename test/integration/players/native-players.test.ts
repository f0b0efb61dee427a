// Players that are not browsers read sharecast's live playlist through OBS
// stopping and starting again without exiting: VLC (cvlc, as an
// unprivileged user), mpv and ffmpeg, each told to exit when the stream
// ends. Each reads through its own request log (a proxy), so the test sees
// what each one fetched: the slate while OBS is away, the stream after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg } from '../../helpers/ffmpeg.js';
import { NATIVE_PLAYERS, requireNativePlayers, startNativePlayer, type NativePlayer, type RunningNativePlayer } from '../../helpers/native-players.js';
import { startRequestLog, type RequestLog } from '../../helpers/request-log.js';
import { describeMoments, SlateCycle } from '../../helpers/slate-cycle.js';
import { sleep } from '../../helpers/wait.js';

requireFfmpeg();
requireNativePlayers();

type Watched = { player: RunningNativePlayer; log: RequestLog };

/** The segments a player fetched (200), with what they were. */
function fetched(cycle: SlateCycle, w: Watched) {
  return w.log.requests.filter((r) => (r.status === 200 || r.status === 206) && !r.path.endsWith('.m3u8')).map((r) => ({ ...r, kind: cycle.kindOf(r.path) }));
}

async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !ok()) await sleep(200);
}

describe('VLC, mpv and ffmpeg through OBS stopping and starting again (MPEG-TS)', { concurrency: false }, () => {
  let cycle: SlateCycle;
  const watched = new Map<NativePlayer, Watched>();

  before(async () => {
    cycle = await SlateCycle.start();
    await cycle.goLive();
    for (const name of NATIVE_PLAYERS) {
      const log = await startRequestLog(cycle.relay.port);
      watched.set(name, { log, player: startNativePlayer(name, `${log.url}/hls/live/index.m3u8`) });
    }
    const all = [...watched.values()];
    const count = (w: Watched, kind: string) => fetched(cycle, w).filter((r) => r.kind === kind).length;
    await until(() => all.every((w) => count(w, 'before') >= 2), 30_000);
    await cycle.stopObs();
    await until(() => all.every((w) => count(w, 'slate') >= 4 || w.player.exit() !== undefined), 30_000);
    await cycle.restartObs();
    await until(() => all.every((w) => count(w, 'after') >= 4 || w.player.exit() !== undefined), 30_000);
    await cycle.watcher.stop();
    console.log(`native players: ${describeMoments(cycle.done)}`);
  });

  after(async () => {
    for (const w of watched.values()) {
      await w.player.stop();
      await w.log.close();
    }
    await cycle?.stop();
  });

  test('every playlist version through the cycle keeps RFC 8216', () => {
    assert.deepEqual(cycle.watcher.sequenceProblems(), []);
    assert.deepEqual(cycle.watcher.serverErrors(), []);
  });

  for (const name of NATIVE_PLAYERS) {
    test(`${name} reads the slate while OBS is away and the stream after the restart, without exiting`, () => {
      const w = watched.get(name);
      assert.ok(w);
      const m = cycle.done;
      const got = fetched(cycle, w);
      const firstBack = got.find((r) => r.kind === 'after');
      console.log(`${name}: ${got.filter((r) => r.kind === 'slate').length} slate segments, ${got.filter((r) => r.kind === 'after').length} after the restart; first real segment after it fetched ${firstBack ? firstBack.at - m.backListedAt : '-'} ms after it was listed; exit ${JSON.stringify(w.player.exit() ?? null)}`);
      assert.equal(w.player.exit(), undefined, `${name} exited:\n${w.player.output()}`);
      assert.ok(got.some((r) => r.kind === 'before'), `${name} read the stream before the stop`);
      assert.ok(got.filter((r) => r.kind === 'slate').length >= 2, `${name} read the slate`);
      assert.ok(got.filter((r) => r.kind === 'after').length >= 2, `${name} read the stream after the restart:\n${w.player.output()}`);
      assert.deepEqual(w.log.requests.filter((r) => r.status >= 400), [], 'no request failed');
    });
  }
});
