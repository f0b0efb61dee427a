// Glass to glass: from the moment a frame leaves the camera (ffmpeg's source)
// to the moment the viewer's page presents it, in Chromium with the page's
// own player. ffmpeg burns the wall-clock capture time into every frame
// (bench/lib/time-code.ts); the page reads it back from a canvas and reports
// Date.now() minus it (bench/lib/g2g-probe.js). Three cases side by side, in
// one run, from one encode (ffmpeg's tee muxer writes both folders):
//   a) sharecast LL-HLS: ffmpeg's dash muxer (1 s segments, 0.2 s chunks), relayed with parts;
//   b) sharecast classic: ffmpeg's hls muxer (1 s segments);
//   c) nginx serving the hls muxer's folder directly to the same page and
//      player (page, status and chat proxied to b): the floor of classic HLS.
// Target: LL-HLS p50 <= 1.5 s, p95 <= 2.0 s, no stall after start-up.
//   npm run bench:g2g          (DURATION=60 WARMUP=5 to change the run)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, requireChromium } from '../test/helpers/browser.js';
import { openForNginx, startNginx } from '../test/helpers/nginx.js';
import { PartLagProbe } from './lib/part-lag-probe.js';
import { requirePrograms, startSharecast } from './lib/processes.js';
import { percentile } from './lib/stats.js';
import { layout, timeCodedArgs } from './lib/time-code.js';

requirePrograms([['ffmpeg', 'ffmpeg'], ['nginx', 'nginx-light']]);
requireChromium();
const DURATION = Number(process.env['DURATION'] ?? 60);
const WARMUP = Number(process.env['WARMUP'] ?? 5);
const PROBE = join(import.meta.dirname, 'lib', 'g2g-probe.js');

interface Probe {
  openedAt: number;
  firstFrameAt: number;
  firstPlayingAt: number;
  samples: Array<[number, number]>;
  misreads: number;
  waiting: number[];
  seeking: number[];
  hlsStalls: number[];
  latency: Array<[number, number, number | null, number]>;
  loads: Array<[number, 'part' | 'segment' | 'playlist', number]>;
  log: Array<[number, string]>;
}

const root = mkdtempSync(join(tmpdir(), 'sharecast-g2g-'));
const dashDir = join(root, 'dash');
const hlsDir = join(root, 'hls');
mkdirSync(dashDir);
mkdirSync(hlsDir);
openForNginx(root);
openForNginx(hlsDir);

// Whatever happens, nothing this bench started outlives it.
const children: Array<number | undefined> = [];
process.on('exit', () => {
  for (const pid of children) if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  rmSync(root, { recursive: true, force: true });
});

const epochMs = Date.now();
const ffmpeg = spawn('ffmpeg', timeCodedArgs({ dashDir, hlsDir, epochMs }), { stdio: ['ignore', 'ignore', 'inherit'] });
children.push(ffmpeg.pid);
const ll = await startSharecast(['--source', join(dashDir, 'stream.mpd'), '--data', join(root, 'data-ll')]);
children.push(ll.child.pid);
const classic = await startSharecast(['--source', join(hlsDir, 'index.m3u8'), '--data', join(root, 'data-classic')]);
children.push(classic.child.pid);
const classicPort = new URL(classic.url).port;
const nginx = await startNginx({
  http: ({ listen }) => `
  server {
    listen ${listen};
    # The hls muxer's folder, straight from disk.
    location /hls/live/ {
      alias ${hlsDir}/;
      add_header Cache-Control no-cache;
    }
    # The page, its status and its chat socket come from sharecast (case b).
    location /ws {
      proxy_pass http://127.0.0.1:${classicPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
    }
    location / {
      proxy_pass http://127.0.0.1:${classicPort};
      proxy_http_version 1.1;
    }
  }`,
});
process.on('exit', () => nginx.kill());

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
await waitUntil('LL parts from the dash muxer', async () => (await (await fetch(`${ll.url}/hls/live/media-0.m3u8`)).text()).includes('#EXT-X-PART:'));
await waitUntil('the classic stream', async () => (await fetch(`${classic.url}/hls/live/index.m3u8`)).ok);
await waitUntil('nginx serving the folder', async () => (await fetch(`${nginx.url}/hls/live/index.m3u8`)).ok);

const partLag = new PartLagProbe(dashDir, ll.url);
partLag.start();

const cases = [
  { name: 'sharecast LL-HLS (dash, 0.2 s parts)', url: `${ll.url}/` },
  { name: 'sharecast classic (hls, 1 s segments)', url: `${classic.url}/` },
  { name: 'nginx, the hls folder direct', url: `${nginx.url}/` },
];
const browser = await launchChromium();
const pages: Page[] = [];
for (let i = 0; i < cases.length; i++) {
  const context = await browser.newContext({ viewport: { width: 960, height: 540 } });
  await context.addInitScript(`window.__g2gConfig = ${JSON.stringify(layout(epochMs))};`);
  await context.addInitScript({ path: PROBE });
  const page = await context.newPage();
  pages.push(page);
}
// Opened together, so that the three see the same stretch of the same encode.
await Promise.all(pages.map((p, i) => p.goto(cases[i]!.url, { waitUntil: 'domcontentloaded' })));
const openedAt = Date.now();
process.stderr.write(`bench: measuring for ${WARMUP + DURATION} s…\n`);
await new Promise((r) => setTimeout(r, (WARMUP + DURATION) * 1000));
const probes = await Promise.all(pages.map((p) => p.evaluate('window.__g2g') as Promise<Probe>));

await partLag.stop();
await browser.close();
ffmpeg.kill('SIGKILL');
await nginx.stop();
await ll.stop();
await classic.stop();
rmSync(root, { recursive: true, force: true });

if (process.env['G2G_LOG']) {
  for (const [i, p] of probes.entries()) console.log(`${cases[i]!.name}, the start:\n${p.log.map(([at, what]) => `  ${String(at).padStart(6)} ms  ${what}`).join('\n')}`);
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rows = probes.map((p, i) => {
  const from = p.firstFrameAt + WARMUP * 1000;
  const delays = p.samples.filter(([at]) => at >= from).map(([, d]) => d);
  // A 'waiting' right after a seek is the seek (a jump to the live edge), not a stall.
  const real = p.waiting.filter((at) => !p.seeking.some((s) => s <= at && at - s < 500));
  const startupStalls = real.filter((at) => at < from).length;
  const stalls = real.filter((at) => at >= from).length;
  const jumps = p.seeking.filter((at) => p.firstPlayingAt && at > p.firstPlayingAt).length;
  const hlsStalls = p.hlsStalls.filter((at) => at >= from).length;
  const lat = p.latency.filter(([at]) => at >= from);
  return {
    name: cases[i]!.name,
    delays,
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    max: Math.max(...delays),
    firstFrame: p.firstFrameAt ? p.firstFrameAt - openedAt : NaN,
    startupStalls,
    stalls,
    jumps,
    hlsStalls,
    misreads: p.misreads,
    latency: percentile(lat.map((l) => l[1] * 1000), 50),
    target: percentile(lat.map((l) => (l[2] ?? NaN) * 1000), 50),
    loads: p.loads.filter(([at]) => at >= from),
  };
});

console.log(`glass to glass, Chromium headless with the page's own player, 640x360 at 30 fps, one encode (x264 zerolatency, 1 s keyframes);`);
console.log(`${DURATION} s measured after ${WARMUP} s from each page's first frame, 2 cores shared by everything:`);
console.log(`  ${'case'.padEnd(40)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ${'frames'.padStart(7)} ${'1st frame'.padStart(9)}  stalls (start-up / after), seeks after the start   hls.js latency / target (p50)`);
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(40)} ${s(r.p50).padStart(7)} ${s(r.p95).padStart(7)} ${s(r.max).padStart(7)} ${String(r.delays.length).padStart(7)} ${s(r.firstFrame).padStart(9)}  ${`${r.startupStalls} / ${r.stalls}`.padStart(9)} (hls.js: ${r.hlsStalls}), ${r.jumps} jump(s)   ${s(r.latency)} / ${s(r.target)}${r.misreads ? `   (${r.misreads} frames unreadable)` : ''}`,
  );
}
const [a, b, c] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
console.log(`  LL-HLS / classic floor (nginx): p50 ${(a.p50 / c.p50).toFixed(2)}x, p95 ${(a.p95 / c.p95).toFixed(2)}x;  LL-HLS / sharecast classic: p50 ${(a.p50 / b.p50).toFixed(2)}x;  sharecast classic / nginx: p50 ${(b.p50 / c.p50).toFixed(2)}x`);
const ok = (v: boolean) => (v ? 'yes' : 'NO');
console.log(`  target: LL-HLS p50 <= 1.5 s: ${ok(a.p50 <= 1500)}, p95 <= 2.0 s: ${ok(a.p95 <= 2000)}, no stall after start-up: ${ok(a.stalls === 0)}`);

// Where LL's time goes.
const lags = partLag.lags();
const loads = (kind: string) => a.loads.filter(([, k]) => k === kind).map(([, , ms]) => ms);
const parts = loads('part');
const playlists = loads('playlist');
console.log(`where LL-HLS's time goes (p50):`);
console.log(`  the relay's part lag (last byte of a chunk in ffmpeg's .tmp -> listed in a blocking-reload answer): p50 ${lags.length ? `${percentile(lags, 50).toFixed(1)} ms, p95 ${percentile(lags, 95).toFixed(1)} ms` : 'n/a'} over ${lags.length} parts; the worst: ${partLag.worst(3).map(([uri, ms]) => `${uri.replace(/^.*-/, '')} ${ms.toFixed(0)} ms`).join(', ')}`);
console.log(`  the page's part loads: p50 ${percentile(parts, 50).toFixed(1)} ms, p95 ${percentile(parts, 95).toFixed(1)} ms over ${parts.length}; blocking playlist reloads (held until the part exists): p50 ${percentile(playlists, 50).toFixed(0)} ms`);
console.log(`  hls.js holds the playhead ${s(a.latency)} behind its estimate of the live edge (its target: ${s(a.target)}, PART-HOLD-BACK plus what stalls added)`);
console.log(`  the rest, ${s(a.p50 - a.latency)}: capture to the edge of the playlist (the 0.2 s chunk filling, encoding, writing, the relay) plus decoding and display`);
