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

// fMP4 without VLC: VLC 3.0 (Debian 12's) reads only the first EXT-X-MAP of a playlist. At a discontinuity
// that brings another init section (the slate's, or OBS's own when it starts again, slate or not) it never
// fetches it, fails to open the next segment ("Failed to create demuxer") and ends. README says so.
const CONTAINERS: Array<{ label: string; segmentType: 'mpegts' | 'fmp4'; players: readonly NativePlayer[] }> = [
  { label: 'MPEG-TS', segmentType: 'mpegts', players: NATIVE_PLAYERS },
  { label: 'fMP4', segmentType: 'fmp4', players: ['mpv', 'ffmpeg'] },
];

for (const { label, segmentType, players } of CONTAINERS) {
  describe(`${players.join(', ')} through OBS stopping and starting again (${label})`, { concurrency: false }, () => {
    let cycle: SlateCycle;
    const watched = new Map<NativePlayer, Watched>();

    before(async () => {
      cycle = await SlateCycle.start({ segmentType });
      await cycle.goLive();
      for (const name of players) {
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
      console.log(`${label}, native players: ${describeMoments(cycle.done)}`);
    });

    after(async () => {
      for (const w of watched.values()) {
        await w.player.stop();
        await w.log.close();
      }
      await cycle?.stop();
    });

    test('every playlist version through the cycle keeps RFC 8216', () => {
      const problems = cycle.problems();
      if (problems.startup.length > 0) console.log(`${label}: while OBS was starting: ${problems.startup.join('; ')}`);
      assert.deepEqual(problems.cycle, []);
      assert.deepEqual(cycle.watcher.serverErrors(), []);
    });

    for (const name of players) {
      test(`${name} reads the slate while OBS is away and the stream after the restart, without exiting`, () => {
        const w = watched.get(name);
        assert.ok(w);
        const m = cycle.done;
        const got = fetched(cycle, w);
        const firstBack = got.find((r) => r.kind === 'after');
        console.log(`${label} ${name}: ${got.filter((r) => r.kind === 'slate').length} slate segments, ${got.filter((r) => r.kind === 'after').length} after the restart; first real segment after it fetched ${firstBack ? firstBack.at - m.backListedAt : '-'} ms after it was listed; exit ${JSON.stringify(w.player.exit() ?? null)}`);
        assert.equal(w.player.exit(), undefined, `${name} exited:\n${w.player.output()}`);
        assert.ok(got.some((r) => r.kind === 'before'), `${name} read the stream before the stop`);
        assert.ok(got.filter((r) => r.kind === 'slate').length >= 2, `${name} read the slate`);
        assert.ok(got.filter((r) => r.kind === 'after').length >= 2, `${name} read the stream after the restart:\n${w.player.output()}`);
        assert.deepEqual(w.log.requests.filter((r) => r.status >= 400), [], 'no request failed');
        if (segmentType === 'fmp4') {
          // The slate's own init section (EXT-X-MAP), then OBS's new one.
          for (const msn of [m.lastRealMsn + 1, m.firstBackMsn]) {
            const map = cycle.watcher.playlists.flatMap((p) => p.segments).find((x) => x.msn === msn)?.map;
            assert.ok(map && w.log.requests.some((r) => r.path.endsWith(`/${map}`)), `${name} fetched the init section ${map} of segment ${msn}`);
          }
        }
      });
    }
  });
}
