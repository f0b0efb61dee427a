// Relay lag for the folder source: the time from a segment appearing in OBS's
// playlist (ffmpeg's hls muxer writing into a folder) to its appearing in the
// relay's playlist, over >= 30 segments. Target: p95 <= 100 ms.
//   npm run bench:lag            (SEGMENTS=40 HLS_TIME=1 to change the run)
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { startObs } from '../test/helpers/ffmpeg.js';
import { requirePrograms, startSharecast } from './lib/processes.js';
import { summary } from './lib/stats.js';

requirePrograms([['ffmpeg', 'ffmpeg']]);
const SEGMENTS = Number(process.env['SEGMENTS'] ?? 40);
const HLS_TIME = Number(process.env['HLS_TIME'] ?? 1);

function uris(text: string): string[] {
  const p = new Parser();
  p.push(text);
  p.end();
  return (p.manifest as { segments: Array<{ uri: string }> }).segments.map((s) => s.uri);
}
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

const dir = mkdtempSync(join(tmpdir(), 'sharecast-lag-'));
const relay = await startSharecast(['--source', join(dir, 'stream.m3u8'), '--data', join(dir, 'data')]);
const obs = startObs({ dir, hlsTime: HLS_TIME, listSize: 5, size: '640x360' });

/** content hash -> when the source playlist first listed it */
const sourceSeen = new Map<string, number>();
const seenSourceUris = new Set<string>();
/** content hash -> when the relay playlist first listed it */
const relaySeen = new Map<string, number>();
const seenRelayUris = new Set<string>();

function checkSource(): void {
  const at = performance.now();
  let text: string;
  try {
    text = readFileSync(join(dir, 'stream.m3u8'), 'utf8');
  } catch {
    return;
  }
  for (const uri of uris(text)) {
    if (seenSourceUris.has(uri)) continue;
    try {
      sourceSeen.set(sha1(readFileSync(join(dir, uri))), at);
      seenSourceUris.add(uri);
    } catch {
      // deleted already
    }
  }
}
const watcher = watch(dir, () => checkSource());
const sourcePoll = setInterval(checkSource, 5);

let polling = true;
async function pollRelay(): Promise<void> {
  while (polling) {
    const at = performance.now();
    try {
      const res = await fetch(`${relay.url}/hls/live/index.m3u8`);
      const text = await res.text();
      if (res.ok) {
        for (const uri of uris(text)) {
          if (seenRelayUris.has(uri)) continue;
          seenRelayUris.add(uri);
          const seg = await fetch(`${relay.url}/hls/live/${uri}`);
          relaySeen.set(sha1(Buffer.from(await seg.arrayBuffer())), at);
        }
      }
    } catch {
      // keep polling
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
const relayPoll = pollRelay();

const started = Date.now();
while (sourceSeen.size < SEGMENTS + 2 && Date.now() - started < (SEGMENTS * HLS_TIME + 30) * 1000) {
  await new Promise((r) => setTimeout(r, 250));
}
await new Promise((r) => setTimeout(r, 1000));
polling = false;
await relayPoll;
clearInterval(sourcePoll);
watcher.close();

const metrics = await (await fetch(`${relay.url}/metrics`)).text();
await obs.kill();
await relay.stop();
rmSync(dir, { recursive: true, force: true });

// The first two segments are the baseline and the window fill at start; the rest is steady state.
const lags: number[] = [];
const ordered = [...sourceSeen.entries()].sort((a, b) => a[1] - b[1]).slice(2);
for (const [hash, at] of ordered) {
  const r = relaySeen.get(hash);
  if (r !== undefined) lags.push(Math.max(0, r - at));
}
console.log(`relay lag, folder source (inotify), hls_time=${HLS_TIME}s, measured from outside with 5 ms polling on both sides:`);
console.log(`  ${summary(lags)}   (target p95 <= 100 ms)`);
const internal = /sharecast_relay_lag_seconds_sum\{stream="live"\} ([\d.e-]+)\nsharecast_relay_lag_seconds_count\{stream="live"\} (\d+)/.exec(metrics);
if (internal) console.log(`  relay's own view (event seen -> public): mean ${((Number(internal[1]) / Number(internal[2])) * 1000).toFixed(1)} ms over ${internal[2]} segments`);
if (lags.length < 30) {
  console.error(`only ${lags.length} segments matched; expected >= 30`);
  process.exitCode = 1;
}
