#!/usr/bin/env node
// Regenerates fixtures/demo/: a few short HLS segments that ffmpeg makes once
// from its test sources (a moving test pattern with a counter, and a tone).
// The demo stream (`npm start`) replays them in real time, looping.
//   node scripts/make-fixtures.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'fixtures', 'demo');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const SECONDS = 12;
const args = [
  '-hide_banner', '-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${SECONDS}`,
  '-f', 'lavfi', '-i', `sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${SECONDS}`,
  '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
  '-b:v', '350k', '-maxrate', '400k', '-bufsize', '800k',
  '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
  '-c:a', 'aac', '-b:a', '64k', '-ac', '2',
  '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'vod',
  '-hls_segment_filename', join(out, 'demo%d.ts'),
  join(out, 'index.m3u8'),
];
const r = spawnSync('ffmpeg', args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('make-fixtures: ffmpeg failed (is it installed? apt-get install ffmpeg)');
  process.exit(1);
}
console.log(`fixtures/demo: ${readdirSync(out).sort().join(', ')}`);
