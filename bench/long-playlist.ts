// Cost per new version of a playlist that grows for hours (hls_list_size=0):
// 24 h of 2 s segments = 43,200 entries. Compares parsing the whole text with
// parsing only what was added, plus the ingest decision, per version.
//   npm run bench:long
import { parsePlaylist } from '../src/hls/parse-playlist.js';
import { parseAppended } from '../src/hls/parse-appended.js';
import { newSourceTracker, planIngest } from '../src/stream/source-tracker.js';
import { percentile } from './lib/stats.js';

const N = Number(process.env['SEGMENTS'] ?? 43_200);
const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
for (let i = 0; i < N; i++) lines.push('#EXTINF:2.000000,', `2026-11-21 18-04-15${i}.ts`);
const base = `${lines.join('\n')}\n`;
const versions = Array.from({ length: 20 }, (_, k) => `${base}${Array.from({ length: k + 1 }, (_, j) => `#EXTINF:2.000000,\n2026-11-21 18-04-15${N + j}.ts\n`).join('')}`);

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const whole: number[] = [];
const appended: number[] = [];
let prev = { text: base, playlist: parsePlaylist(base) };
let tracker = planIngest(newSourceTracker(), 'x.m3u8', prev.playlist, 12).tracker;
for (const text of versions) {
  whole.push(time(() => parsePlaylist(text)));
  appended.push(
    time(() => {
      const playlist = parseAppended(prev, text);
      tracker = planIngest(tracker, 'x.m3u8', playlist, 12).tracker;
      prev = { text, playlist };
    }),
  );
}
const f = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`;
console.log(`a ${N}-segment playlist (${(base.length / 1e6).toFixed(1)} MB), per new version:`);
console.log(`  parse whole (m3u8-parser):              ${f(whole)}`);
console.log(`  parse what was added + ingest decision: ${f(appended)}`);
