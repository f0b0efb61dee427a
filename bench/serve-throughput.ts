// Serving throughput, side by side with Debian's nginx serving the same bytes
// from disk (sendfile), both measured with wrk (-t2 -c50) in one run, and
// with a bare node:http server answering the same bytes from a Buffer: the
// ceiling of one Node process on this machine.
// Targets: segments >= 0.8x nginx (MB/s), playlist >= 0.5x nginx (requests/s),
// in every round. sharecast runs once per --workers value in WORKERS (default
// "0,2": one process, then two edge workers like nginx's two worker processes
// here), with npm start's node flags. ROUNDS rounds measure every server in
// turn (nginx, bare node, each sharecast), so drift hits them alike; the
// ratios are per round. PROFILE=1 runs the one-process sharecast under
// --cpu-prof and prints where its CPU went.
//   npm run bench:serve          (DURATION=10 ROUNDS=3 WORKERS=0,2 WARMUP=3 PROFILE=1)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inclusiveCpuProfile, summarizeCpuProfile } from './lib/cpu-profile.js';
import { machineLoad, treeUsage } from './lib/proc-stats.js';
import { freePort, npmStartFlags, requirePrograms, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';

requirePrograms([['wrk', 'wrk'], ['nginx', 'nginx-light']]);
const DURATION = Number(process.env['DURATION'] ?? 10);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const PROFILE = process.env['PROFILE'] === '1';
const WORKERS = (process.env['WORKERS'] ?? '0,2').split(',').map(Number);
// About 1 MB, a whole number of 188-byte MPEG-TS packets (sharecast publishes only complete segments).
const SEGMENT_BYTES = 188 * 5577;

const dir = mkdtempSync(join(tmpdir(), 'sharecast-serve-'));
const www = join(dir, 'www');
mkdirSync(www);

// A folder source with six ~1 MB segments (MPEG-TS packets of random payload; the relay never looks inside).
function tsSegment(): Buffer {
  const b = randomBytes(SEGMENT_BYTES);
  for (let i = 0; i < b.length; i += 188) b[i] = 0x47;
  return b;
}
/**
 * Starts sharecast on a fresh folder, then writes OBS's output into it (a
 * playlist found already there is only a baseline; sharecast publishes once
 * OBS adds to it), and waits until the last segment is public.
 */
async function startRun(workers: number, profileDir?: string) {
  const folder = mkdtempSync(join(dir, 'obs-'));
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const relay = await startSharecast(['--source', join(folder, 'stream.m3u8'), '--data', join(folder, 'data'), '--offline-after', '3600', '--workers', String(workers)], {
    nodeArgs: [...npmStartFlags(), ...profile],
    env: { SHARECAST_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
  });
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < 6; i++) {
    writeFileSync(join(folder, `stream${i}.ts`), segmentBytes);
    lines.push('#EXTINF:2.000000,', `stream${i}.ts`);
  }
  writeFileSync(join(folder, 'stream.tmp'), `${lines.join('\n')}\n`);
  renameSync(join(folder, 'stream.tmp'), join(folder, 'stream.m3u8'));
  for (let k = 0; k < 200; k++) {
    const text = await (await fetch(`${relay.url}/hls/live/index.m3u8`)).text();
    const seg = text.split('\n').filter((l) => l.endsWith('.ts'));
    if (seg.length === 6) return { relay, playlist: text, segName: seg.at(-1) as string };
    await new Promise((r) => setTimeout(r, 100));
  }
  await relay.stop();
  throw new Error(`sharecast --workers ${workers} published nothing`);
}

const segmentBytes = tsSegment();
const runs: Array<{ workers: number; relay: Awaited<ReturnType<typeof startSharecast>>; segName: string }> = [];
for (const workers of WORKERS) runs.push({ workers, ...(await startRun(workers, PROFILE && workers === 0 ? join(dir, 'profile') : undefined)) });
const first = runs[0] as (typeof runs)[number];
const playlist = await (await fetch(`${first.relay.url}/hls/live/index.m3u8`)).text();
const segName = first.segName;
const segment = Buffer.from(await (await fetch(`${first.relay.url}/hls/live/${segName}`)).arrayBuffer());

// nginx serves exactly the same bytes from disk.
writeFileSync(join(www, 'index.m3u8'), playlist);
writeFileSync(join(www, segName), segment);
const nginxPort = await freePort();
writeFileSync(
  join(dir, 'nginx.conf'),
  `user root;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${nginxPort}; root ${www}; }
}
`,
);
const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: 'inherit' });

// The ceiling: one bare node:http process answering the same bytes from memory, with the same node flags.
const barePort = await freePort();
writeFileSync(join(dir, 'playlist.bin'), playlist);
writeFileSync(join(dir, 'segment.bin'), segment);
const bareCode = `
  const { readFileSync } = require('node:fs');
  const pl = readFileSync(${JSON.stringify(join(dir, 'playlist.bin'))});
  const sg = readFileSync(${JSON.stringify(join(dir, 'segment.bin'))});
  require('node:http').createServer((req, res) => {
    const isPl = req.url.endsWith('.m3u8');
    res.writeHead(200, { 'Content-Type': isPl ? 'application/vnd.apple.mpegurl' : 'video/mp2t', 'Content-Length': isPl ? pl.length : sg.length });
    res.end(isPl ? pl : sg);
  }).listen(${barePort}, '127.0.0.1');`;
const bare: ChildProcess = spawn(process.execPath, [...npmStartFlags(), '-e', bareCode], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 800));

interface WrkResult {
  rps: number;
  mbps: number;
  errors: string;
}
function wrk(url: string): WrkResult {
  const r = spawnSync('wrk', ['-t2', '-c50', `-d${DURATION}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const t = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(r.stdout);
  const scale: Record<string, number> = { B: 1 / 1e6, KB: 1024 / 1e6, MB: (1024 * 1024) / 1e6, GB: (1024 * 1024 * 1024) / 1e6 };
  const mbps = t ? Number(t[1]) * (scale[t[2] ?? 'B'] ?? NaN) : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(r.stdout)?.[0] ?? '';
  return { rps, mbps, errors };
}

// Warm-up, not measured: a Node server is slower for its first seconds under load (its hot path not yet optimized
// by the JIT), nginx is not; without this the first round compares a cold sharecast with a warm nginx.
const WARMUP = Number(process.env['WARMUP'] ?? 3);
function warm(url: string): void {
  if (WARMUP > 0) spawnSync('wrk', ['-t2', '-c50', `-d${WARMUP}s`, url], { stdio: 'ignore' });
}
for (const [base, seg] of [[`http://127.0.0.1:${barePort}`, segName], ...runs.map((r) => [`${r.relay.url}/hls/live`, r.segName])]) {
  warm(`${base}/index.m3u8`);
  warm(`${base}/${seg}`);
}

const label = (workers: number) => (workers === 0 ? 'sharecast (1 process)' : `sharecast --workers ${workers}`);
const show = (name: string, r: WrkResult) => `  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} req/s  ${r.mbps.toFixed(1).padStart(8)} MB/s ${r.errors}`;
const load = machineLoad();
console.log(`serving throughput, wrk -t2 -c50 -d${DURATION}s on loopback, 2 cores shared by wrk and the server; nginx: worker_processes auto, sendfile; node flags ${npmStartFlags().join(' ')}; load average at start ${load.load1.toFixed(1)}, ${load.load5.toFixed(1)}, ${load.load15.toFixed(1)}`);
const ratios = new Map<string, { segment: number[]; playlist: number[] }>();
const addRatio = (who: string, seg: number, pl: number) => {
  const r = ratios.get(who) ?? { segment: [], playlist: [] };
  r.segment.push(seg);
  r.playlist.push(pl);
  ratios.set(who, r);
};
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round}:`);
  const nginxPlaylist = wrk(`http://127.0.0.1:${nginxPort}/index.m3u8`);
  const nginxSegment = wrk(`http://127.0.0.1:${nginxPort}/${segName}`);
  const barePlaylist = wrk(`http://127.0.0.1:${barePort}/index.m3u8`);
  const bareSegment = wrk(`http://127.0.0.1:${barePort}/${segName}`);
  console.log(show('nginx playlist', nginxPlaylist));
  console.log(show('nginx segment', nginxSegment));
  console.log(show('bare node:http playlist', barePlaylist));
  console.log(show('bare node:http segment', bareSegment));
  addRatio('bare node:http (1 process)', bareSegment.mbps / nginxSegment.mbps, barePlaylist.rps / nginxPlaylist.rps);
  for (const run of runs) {
    const pl = wrk(`${run.relay.url}/hls/live/index.m3u8`);
    const sg = wrk(`${run.relay.url}/hls/live/${run.segName}`);
    console.log(show(`${label(run.workers)} playlist`, pl));
    console.log(show(`${label(run.workers)} segment`, sg));
    addRatio(label(run.workers), sg.mbps / nginxSegment.mbps, pl.rps / nginxPlaylist.rps);
  }
}
const rss = new Map(runs.map((r) => [label(r.workers), treeUsage(r.relay.child.pid).rssMb]));

nginx.kill('SIGTERM');
bare.kill('SIGTERM');
for (const run of runs) await run.relay.stop();

const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}x`;
console.log(`\nratios to nginx over ${ROUNDS} rounds (each round side by side; targets: segment >= 0.8x, playlist >= 0.5x in every round):`);
for (const [who, r] of ratios) {
  const mem = rss.get(who);
  console.log(`  ${who.padEnd(28)} segment MB/s ${range(r.segment)}   playlist req/s ${range(r.playlist)}${mem === undefined ? '' : `   RSS ${mem.toFixed(0)} MB`}`);
  const id = who.startsWith('bare') ? 'serve.bare' : `serve.w${who.includes('workers') ? /\d+/.exec(who)?.[0] : 0}`;
  const peer = who.startsWith('bare') ? undefined : ratios.get('bare node:http (1 process)');
  record({ id: `${id}.segment_ratio`, what: `${who}: segment MB/s vs nginx (worst round)`, value: Math.min(...r.segment), unit: 'x', ...(who.startsWith('bare') ? {} : { target: { op: '>=' as const, value: 0.8 } }), command: 'npm run bench:serve', ...(peer ? { peer: { name: 'bare node:http', value: Math.min(...peer.segment) } } : {}) });
  record({ id: `${id}.playlist_ratio`, what: `${who}: playlist req/s vs nginx (worst round)`, value: Math.min(...r.playlist), unit: 'x', ...(who.startsWith('bare') ? {} : { target: { op: '>=' as const, value: 0.5 } }), command: 'npm run bench:serve', ...(peer ? { peer: { name: 'bare node:http', value: Math.min(...peer.playlist) } } : {}) });
}
if (PROFILE) {
  console.log('\nwhere the one-process sharecast spent its CPU (all rounds, --cpu-prof):');
  console.log(summarizeCpuProfile(join(dir, 'profile'), 20));
  // Then playlists alone: a fresh one-process sharecast under --cpu-prof, warmed up, then wrk on its playlist.
  const { relay } = await startRun(0, join(dir, 'profile-playlist'));
  warm(`${relay.url}/hls/live/index.m3u8`);
  const pl = wrk(`${relay.url}/hls/live/index.m3u8`);
  await relay.stop();
  console.log(`\nplaylists alone (${pl.rps.toFixed(0)} req/s under the profiler), --cpu-prof:`);
  console.log(inclusiveCpuProfile(join(dir, 'profile-playlist'), 25));
}
rmSync(dir, { recursive: true, force: true });
