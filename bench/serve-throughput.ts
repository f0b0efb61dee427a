// Serving throughput, side by side with Debian's nginx serving the same bytes
// from disk (sendfile), both measured with wrk (-t2 -c50) in one run.
// Targets: segments >= 0.8x nginx (MB/s), playlist >= 0.5x nginx (requests/s).
// sharecast runs once per --workers value in WORKERS (default "0,2": one
// process, then two edge workers like nginx's two worker processes here).
//   npm run bench:serve          (DURATION=10 to change the seconds per run)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeUsage } from './lib/proc-stats.js';
import { freePort, requirePrograms, startSharecast } from './lib/processes.js';

requirePrograms([['wrk', 'wrk'], ['nginx', 'nginx-light']]);
const DURATION = Number(process.env['DURATION'] ?? 10);
const WORKERS = (process.env['WORKERS'] ?? '0,2').split(',').map(Number);
const SEGMENT_BYTES = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'sharecast-serve-'));
const www = join(dir, 'www');
mkdirSync(www);

// A folder source with six 1 MB segments (MPEG-TS packets of random payload; the relay never looks inside).
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
async function startRun(workers: number) {
  const folder = mkdtempSync(join(dir, 'obs-'));
  const relay = await startSharecast(['--source', join(folder, 'stream.m3u8'), '--data', join(dir, 'data'), '--offline-after', '3600', '--workers', String(workers)]);
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
  throw new Error(`sharecast --workers ${workers} published nothing`);
}

const segmentBytes = tsSegment();
const first = await startRun(WORKERS[0] ?? 0);
let relay = first.relay;
const playlist = first.playlist;
const segName = first.segName;
const segment = Buffer.from(await (await fetch(`${relay.url}/hls/live/${segName}`)).arrayBuffer());

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
await new Promise((r) => setTimeout(r, 500));

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


const nginxPlaylist = wrk(`http://127.0.0.1:${nginxPort}/index.m3u8`);
const nginxSegment = wrk(`http://127.0.0.1:${nginxPort}/${segName}`);
const rows: string[] = [];
const show = (name: string, r: WrkResult) => `  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(8)} req/s  ${r.mbps.toFixed(1).padStart(8)} MB/s ${r.errors}`;
rows.push(show('nginx playlist', nginxPlaylist), show('nginx segment', nginxSegment));
for (const [i, workers] of WORKERS.entries()) {
  let seg = segName;
  if (i > 0) {
    await relay.stop();
    const run = await startRun(workers);
    relay = run.relay;
    seg = run.segName;
  }
  const pl = wrk(`${relay.url}/hls/live/index.m3u8`);
  const sg = wrk(`${relay.url}/hls/live/${seg}`);
  const label = workers === 0 ? 'sharecast (1 process)' : `sharecast --workers ${workers}`;
  rows.push(show(`${label} playlist`, pl), show(`${label} segment`, sg));
  rows.push(`    ${label}: segment MB/s ${(sg.mbps / nginxSegment.mbps).toFixed(2)}x nginx (target >= 0.8x), playlist req/s ${(pl.rps / nginxPlaylist.rps).toFixed(2)}x nginx (target >= 0.5x), RSS ${treeUsage(relay.child.pid).rssMb.toFixed(0)} MB`);
}

nginx.kill('SIGTERM');
await relay.stop();
rmSync(dir, { recursive: true, force: true });

console.log(`serving throughput, wrk -t2 -c50 -d${DURATION}s on loopback, 2 cores shared by wrk and the server; nginx: worker_processes auto, sendfile:`);
for (const r of rows) console.log(r);
