// Simulated viewers: N clients that load the stream as hls.js does
// (bench/lib/hls-viewer.ts), in 2 client processes of their own, against the
// built sharecast fed by a real ffmpeg writing a 2.5 Mbit/s stream (640x360
// CBR 2.4 Mbit/s video + 96 kbit/s audio) into a folder, as OBS would.
// For each mode (hls: the hls muxer, 2 s segments, classic reloads; ll: the
// dash muxer in streaming mode, 1 s segments of 0.2 s parts, held blocking
// reloads), each --workers value and each N, sharecast starts afresh, the
// viewers join over RAMP seconds, then SECONDS are measured: stalls, p50/p99
// time to first byte for playlists (classic or held blocking reloads),
// segments and parts, the held reloads' fan-out (first viewer in a client
// process to get a version -> each other one), sharecast's CPU (its process
// and edge workers, from /proc), its RSS, the clients' CPU and event-loop
// delay, and how busy the whole machine was.
// Targets at N=1000: no stall, p99 segment TTFB <= 50 ms, RSS <= 150 MB.
//   npm run bench:viewers   (SIZES=100,500,1000 WORKERS=0,2 MODES=hls,ll SECONDS=15 RAMP=8 CLIENTS=2)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyShare, machineJiffies, machineLoad, openFileLimit, treeUsage } from './lib/proc-stats.js';
import { startSource } from './lib/live-source.js';
import { npmStartFlags, requirePrograms, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';
import { ViewerFleet, type FleetReport } from './lib/viewer-fleet.js';

requirePrograms([['ffmpeg', 'ffmpeg']]);
const SIZES = (process.env['SIZES'] ?? '100,500,1000').split(',').map(Number);
const WORKERS = (process.env['WORKERS'] ?? '0,2').split(',').map(Number);
const MODES = (process.env['MODES'] ?? 'hls,ll').split(',').map((m) => m.trim()) as Array<'hls' | 'll'>;
const SECONDS = Number(process.env['SECONDS'] ?? 15);
const RAMP = Number(process.env['RAMP'] ?? 8);
const CLIENTS = Number(process.env['CLIENTS'] ?? 2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (openFileLimit() < Math.max(...SIZES) * 8) {
  console.error(`bench: the open-file limit is ${openFileLimit()}; raise it first, e.g. \`ulimit -n ${Math.max(...SIZES) * 8}\`.`);
  process.exit(1);
}

interface Row {
  mode: string;
  workers: number;
  n: number;
  r: FleetReport;
  serverCpu: number;
  rss: number;
  rssMax: number;
  machineBusy: number;
  clientCpu: number;
  seconds: number;
}

async function runOne(mode: 'hls' | 'll', source: string, dataDir: string, workers: number, n: number): Promise<Row> {
  const relay = await startSharecast(['--source', source, '--data', dataDir, '--workers', String(workers)], { nodeArgs: npmStartFlags(), env: { SHARECAST_ADMIN_TOKEN: 'bench-admin-token-0123456789' } });
  try {
    // Wait for a playlist with parts (ll) or three segments (hls).
    const media = mode === 'll' ? '/hls/live/media-0.m3u8' : '/hls/live/index.m3u8';
    for (let i = 0; ; i++) {
      const text = await fetch(`${relay.url}${media}`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (mode === 'll' ? text.includes('#EXT-X-PART:') : (text.match(/#EXTINF/g) ?? []).length >= 3) break;
      if (i > 300) throw new Error(`sharecast published nothing from ${source}`);
      await sleep(100);
    }
    const recordFrom = Date.now() + RAMP * 1000 + 2000;
    const fleet = await ViewerFleet.start({ base: relay.url, playlist: '/hls/live/index.m3u8', count: n, clients: CLIENTS, rampMs: RAMP * 1000, recordFrom });
    try {
      await sleep(recordFrom - Date.now());
      await fleet.report(true);
      const u0 = treeUsage(relay.child.pid);
      const m0 = machineJiffies();
      const t0 = performance.now();
      let rssMax = 0;
      for (let s = 0; s < SECONDS; s++) {
        await sleep(1000);
        rssMax = Math.max(rssMax, treeUsage(relay.child.pid).rssMb);
      }
      const seconds = (performance.now() - t0) / 1000;
      const u1 = treeUsage(relay.child.pid);
      const busy = busyShare(m0, machineJiffies());
      const r = await fleet.report();
      return { mode, workers, n, r, serverCpu: (u1.cpuSeconds - u0.cpuSeconds) / seconds, rss: u1.rssMb, rssMax, machineBusy: busy, clientCpu: r.cpuSeconds / seconds, seconds };
    } finally {
      await fleet.stop();
    }
  } finally {
    await relay.stop();
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}` : '-');
function show(row: Row): string {
  const { r } = row;
  const pl = row.mode === 'll' ? r.ttfb.blocking : r.ttfb.playlist;
  const errors = [...r.errors.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
  const expectedMbps = (row.n * 2.5) / 8;
  return [
    `${row.mode.padEnd(3)} w${row.workers} N=${String(row.n).padEnd(5)}`,
    `stalls ${r.stalls} (${r.stalledViewers} viewers, ${(r.stallMs / 1000).toFixed(1)} s)`,
    `${row.mode === 'll' ? 'held reload' : 'playlist'} p50/p99 ${ms(pl.percentile(50))}/${ms(pl.percentile(99))} ms`,
    `segment ${ms(r.ttfb.segment.percentile(50))}/${ms(r.ttfb.segment.percentile(99))} ms`,
    ...(row.mode === 'll' ? [`part ${ms(r.ttfb.part.percentile(50))}/${ms(r.ttfb.part.percentile(99))} ms`, `fan-out p99 ${ms(r.fanout.percentile(99))} ms`] : []),
    `${(r.bytes / 1e6 / row.seconds).toFixed(0)}/${expectedMbps.toFixed(0)} MB/s`,
    `server CPU ${(row.serverCpu * 100).toFixed(0)} %`,
    `RSS ${row.rss.toFixed(0)} MB (max ${row.rssMax.toFixed(0)})`,
    `clients CPU ${(row.clientCpu * 100).toFixed(0)} %, loop p99 ${ms(r.loopDelayP99)} ms`,
    `machine ${(row.machineBusy * 100).toFixed(0)} % busy`,
    ...(errors ? [`errors: ${errors}`] : []),
  ].join(' | ');
}

const load = machineLoad();
console.log(
  `simulated viewers (hls.js-like), ${CLIENTS} client processes, ${SECONDS} s measured after a ${RAMP} s ramp; server flags ${npmStartFlags().join(' ')}; load average at start ${load.load1.toFixed(1)}, ${load.load5.toFixed(1)}, ${load.load15.toFixed(1)} (2 cores)`,
);
console.log('CPU figures are % of one core; "machine" is the share of both cores busy (server + clients + ffmpeg + anything else).');
const rows: Row[] = [];
for (const mode of MODES) {
  const dir = mkdtempSync(join(tmpdir(), `sharecast-viewers-${mode}-`));
  const { source, obs } = startSource(mode, dir);
  try {
    for (const workers of WORKERS) {
      for (const n of SIZES) {
        const row = await runOne(mode, source, join(dir, `data-${workers}-${n}`), workers, n);
        rows.push(row);
        console.log(show(row));
        const id = `viewers.${mode}.w${workers}.n${n}`;
        const cmd = `MODES=${mode} WORKERS=${workers} SIZES=${n} npm run bench:viewers`;
        const label = `${mode === 'll' ? 'LL-HLS' : 'HLS'}, ${n} viewers, ${workers === 0 ? '1 process' : `--workers ${workers}`}`;
        const seg = row.r.ttfb.segment.percentile(99);
        record({ id: `${id}.stalls`, what: `${label}: stalls`, value: row.r.stalls, unit: '', target: { op: '<=', value: 0 }, command: cmd });
        // Over LL-HLS the media a viewer loads are parts (a whole segment only once its parts have left the
        // playlist): the TTFB target is held to the parts there, and segments are shown when there were any.
        if (mode === 'hls' || row.r.ttfb.segment.count > 0) record({ id: `${id}.segment_ttfb_p99`, what: `${label}: segment TTFB p99`, value: seg, unit: 'ms', ...(mode === 'hls' ? { target: { op: '<=' as const, value: 50 } } : {}), command: cmd });
        if (mode === 'll') record({ id: `${id}.part_ttfb_p99`, what: `${label}: part TTFB p99`, value: row.r.ttfb.part.percentile(99), unit: 'ms', target: { op: '<=', value: 50 }, command: cmd });
        record({ id: `${id}.playlist_ttfb_p99`, what: `${label}: ${mode === 'll' ? 'held reload' : 'playlist'} TTFB p99`, value: (mode === 'll' ? row.r.ttfb.blocking : row.r.ttfb.playlist).percentile(99), unit: 'ms', command: cmd });
        record({ id: `${id}.rss`, what: `${label}: server RSS (max)`, value: row.rssMax, unit: 'MB', target: { op: '<=', value: 150 }, command: cmd });
        record({ id: `${id}.cpu`, what: `${label}: server CPU`, value: row.serverCpu * 100, unit: '% of a core', command: cmd, note: `machine ${(row.machineBusy * 100).toFixed(0)} % busy, clients ${(row.clientCpu * 100).toFixed(0)} %` });
      }
    }
  } finally {
    await obs.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Where the 2 cores run out: the first N at which the machine was (nearly) all busy, or the clients' own event
// loop lagged (then the clients, not the server, set the TTFB), per mode and --workers.
console.log('\nwhere the cores run out (machine >= 90 % busy, or a client event loop p99 > 100 ms):');
for (const mode of MODES) {
  for (const workers of WORKERS) {
    const mine = rows.filter((r) => r.mode === mode && r.workers === workers);
    const out = mine.find((r) => r.machineBusy >= 0.9 || r.r.loopDelayP99 > 100);
    const why = (r: Row) => `server ${(r.serverCpu * 100).toFixed(0)} %, clients ${(r.clientCpu * 100).toFixed(0)} % of a core, machine ${(r.machineBusy * 100).toFixed(0)} % busy, client loop p99 ${ms(r.r.loopDelayP99)} ms`;
    console.log(`  ${mode} w${workers}: ${out ? `at N=${out.n} (${why(out)})` : `not up to N=${Math.max(...mine.map((r) => r.n))}`}`);
  }
}
