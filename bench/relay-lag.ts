// Relay lag for the folder source: the time from a segment appearing in OBS's
// playlist (ffmpeg's hls muxer writing into a folder) to its appearing in the
// relay's playlist, over >= 30 segments. Target: p95 <= 100 ms.
//   npm run bench:lag            (SEGMENTS=40 HLS_TIME=1 to change the run)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startObs } from '../test/helpers/ffmpeg.js';
import { LagProbe } from './lib/lag-probe.js';
import { requirePrograms, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';
import { percentile, summary } from './lib/stats.js';

requirePrograms([['ffmpeg', 'ffmpeg']]);
const SEGMENTS = Number(process.env['SEGMENTS'] ?? 40);
const HLS_TIME = Number(process.env['HLS_TIME'] ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'sharecast-lag-'));
const relay = await startSharecast(['--source', join(dir, 'stream.m3u8'), '--data', join(dir, 'data')]);
const obs = startObs({ dir, hlsTime: HLS_TIME, listSize: 5, size: '640x360' });

const probe = new LagProbe(dir, relay.url);
probe.start();

const started = Date.now();
while (probe.sourceCount < SEGMENTS + 2 && Date.now() - started < (SEGMENTS * HLS_TIME + 30) * 1000) {
  await new Promise((r) => setTimeout(r, 250));
}
await new Promise((r) => setTimeout(r, 1000));
await probe.stop();

const metrics = await (await fetch(`${relay.url}/metrics`)).text();
await obs.kill();
await relay.stop();
rmSync(dir, { recursive: true, force: true });

const lags = probe.lags();
console.log(`relay lag, folder source (inotify), hls_time=${HLS_TIME}s, measured from outside with 5 ms polling on both sides:`);
console.log(`  ${summary(lags)}   (target p95 <= 100 ms)`);
record({ id: 'lag.folder_p95', what: 'relay lag, folder source, p95', value: percentile(lags, 95), unit: 'ms', target: { op: '<=', value: 100 }, command: `SEGMENTS=${SEGMENTS} npm run bench:lag`, note: `${lags.length} segments` });
const internal = /sharecast_relay_lag_seconds_sum\{stream="live"\} ([\d.e-]+)\nsharecast_relay_lag_seconds_count\{stream="live"\} (\d+)/.exec(metrics);
if (internal) console.log(`  relay's own view (event seen -> public): mean ${((Number(internal[1]) / Number(internal[2])) * 1000).toFixed(1)} ms over ${internal[2]} segments`);
if (lags.length < 30) {
  console.error(`only ${lags.length} segments matched; expected >= 30`);
  process.exitCode = 1;
}
