// Relay lag for push ingest: the time from the end of an upload to the segment in the
// relay's playlist, over >= 30 segments. A real ffmpeg pushes with method=PUT over a
// persistent connection (the README's "OBS anywhere" settings) through a recording
// pass-through, which notes when the last byte of each playlist upload went on to
// sharecast; the relay's playlist is polled every 2 ms and its segments matched by
// content hash. Target: p95 <= 50 ms on loopback.
//   npm run bench:push            (SEGMENTS=40 HLS_TIME=1; MODE=dash for chunked CMAF / LL-HLS; LAGS=1 prints every lag)
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { startObs } from '../test/helpers/ffmpeg.js';
import { startPushTap, type TappedUpload } from '../test/helpers/push-tap.js';
import { requirePrograms, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';
import { percentile, summary } from './lib/stats.js';

requirePrograms([['ffmpeg', 'ffmpeg']]);
const SEGMENTS = Number(process.env['SEGMENTS'] ?? 40);
const HLS_TIME = Number(process.env['HLS_TIME'] ?? 1);
const MODE = process.env['MODE'] === 'dash' ? 'dash' : 'hls';
const KEY = 'bench-push-key-0123456789abcdef';

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const uris = (text: string) => {
  const p = new Parser();
  p.push(text);
  p.end();
  return (p.manifest as { segments: Array<{ uri: string }> }).segments.map((s) => s.uri);
};

const dir = mkdtempSync(join(tmpdir(), 'sharecast-push-lag-'));
process.env['SHARECAST_PUSH_KEY'] = KEY;
const relay = await startSharecast(['--source', 'live=push', '--data', join(dir, 'data')]);
const tap = await startPushTap(relay.url);
const obs = startObs({ dir, muxer: MODE, hlsTime: HLS_TIME, listSize: 6, size: '640x360', pushUrl: `${tap.url}/ingest/live/${KEY}` });
const sourcePlaylist = MODE === 'hls' ? 'stream.m3u8' : 'media_0.m3u8';
const relayPlaylist = MODE === 'hls' ? 'index.m3u8' : 'media-0.m3u8';

/** content hash -> when the playlist upload that first listed it ended (performance.now()) */
const uploadedAt = new Map<string, number>();
const seenSourceUris = new Set<string>();
let scanned = 0;
function scanTap(): void {
  for (; scanned < tap.uploads.length; scanned++) {
    const u = tap.uploads[scanned] as TappedUpload;
    if (u.file !== sourcePlaylist) continue;
    // Wait for the playlist upload to end before looking further (uploads are noted in order of their start).
    if (u.endedAt === undefined && !u.brokeOff) return;
    if (u.endedAt === undefined) continue;
    for (const uri of uris(Buffer.concat(u.bytes).toString('utf8'))) {
      if (seenSourceUris.has(uri)) continue;
      seenSourceUris.add(uri);
      const seg = tap.uploads.slice(0, scanned).reverse().find((x) => x.file === uri && x.sha1 !== undefined);
      if (seg?.sha1) uploadedAt.set(seg.sha1, u.endedAt);
    }
  }
}

/** content hash -> when the relay's playlist first listed it */
const relayedAt = new Map<string, number>();
const relayUris = new Set<string>();
let polling = true;
const poll = (async () => {
  while (polling) {
    const at = performance.now();
    try {
      const res = await fetch(`${relay.url}/hls/live/${relayPlaylist}`);
      const text = await res.text();
      if (res.ok) {
        for (const uri of uris(text)) {
          if (relayUris.has(uri)) continue;
          relayUris.add(uri);
          const seg = await fetch(`${relay.url}/hls/live/${uri}`);
          relayedAt.set(sha1(Buffer.from(await seg.arrayBuffer())), at);
        }
      }
    } catch {
      // keep polling
    }
    scanTap();
    await new Promise((r) => setTimeout(r, 2));
  }
})();

const started = Date.now();
while (uploadedAt.size < SEGMENTS + 2 && Date.now() - started < (SEGMENTS * HLS_TIME + 30) * 1000) {
  await new Promise((r) => setTimeout(r, 250));
}
await new Promise((r) => setTimeout(r, 1000));
polling = false;
await poll;
scanTap();

const metrics = await (await fetch(`${relay.url}/metrics`)).text();
await obs.kill();
await tap.close();
await relay.stop();
rmSync(dir, { recursive: true, force: true });

// The first two segments are the start-up baseline.
const lags = [...uploadedAt.entries()]
  .sort((a, b) => a[1] - b[1])
  .slice(2)
  .flatMap(([hash, at]) => {
    const r = relayedAt.get(hash);
    return r === undefined ? [] : [Math.max(0, r - at)];
  });
console.log(`relay lag, push source (ffmpeg ${MODE} muxer, method=PUT, persistent connection), hls_time=${HLS_TIME}s:`);
console.log('  from the end of the playlist upload (its last byte passed on to sharecast) to the segment in the relay\'s playlist (polled every 2 ms):');
console.log(`  ${summary(lags)}   (target p95 <= 50 ms)`);
record({ id: `lag.push_${MODE}_p95`, what: `relay lag, push source (${MODE} muxer), p95`, value: percentile(lags, 95), unit: 'ms', target: { op: '<=', value: 50 }, command: `SEGMENTS=${SEGMENTS} MODE=${MODE} npm run bench:push`, note: `${lags.length} segments` });
if (process.env['LAGS']) console.log(`  every lag (ms): ${lags.map((l) => l.toFixed(1)).join(' ')}`);
const internal = /sharecast_relay_lag_seconds_sum\{stream="live"\} ([\d.e-]+)\nsharecast_relay_lag_seconds_count\{stream="live"\} (\d+)/.exec(metrics);
if (internal) console.log(`  relay's own view (playlist received -> public): mean ${((Number(internal[1]) / Number(internal[2])) * 1000).toFixed(2)} ms over ${internal[2]} segments`);
if (lags.length < 30) {
  console.error(`only ${lags.length} segments matched; expected >= 30`);
  process.exitCode = 1;
}
