// Soak: SOAK_MINUTES (default 30) of the built sharecast (npm start's node
// flags) fed by a real ffmpeg writing a 2.5 Mbit/s HLS stream into a folder,
// as OBS would, with:
// - VIEWERS (500) simulated hls.js-like viewers (bench/lib/viewer-fleet.ts) in
//   CLIENTS (2) processes of their own;
// - CHAT_SOCKETS (100) chat sockets in a process of their own, CHAT_SENDERS
//   (10) of them sending a message every CHAT_EVERY_MS (2000);
// - OBS restarting every RESTART_MINUTES (5): a clean stop (ENDLIST) and a
//   crash (SIGKILL) in turn, back after RESTART_GAP seconds (5);
// - the source vanishing once at VANISH_AT minutes (default: half-way between
//   the first two restarts): the folder is renamed away under ffmpeg, ffmpeg
//   dies or is killed, and after VANISH_SECONDS (30) the folder comes back and
//   OBS starts again.
// Every minute: the server's RSS, V8 heap (its /metrics), open fds (all, and
// those that are not sockets), 5xx answers, viewer errors and stalls, chat
// deliveries and errors. A watcher checks the media sequence all along
// (test/helpers/relay-watcher.ts: monotonic msn, an msn never renamed, no URI
// for two msns, RFC 8216) and refetches every segment still served at the end.
// Targets (after WARMUP_MINUTES, default 10 (the segment cache filling), or a third of a shorter run):
// RSS within +-10 % of its first post-warm-up sample, no errors, no fd growth.
//   npm run bench:soak   (SOAK_MINUTES=30 VIEWERS=500)
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyShare, machineJiffies, machineLoad, openFileLimit } from './lib/proc-stats.js';
import { startSource } from './lib/live-source.js';
import { npmStartFlags, requirePrograms, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';
import { SoakChat, type ChatReport } from './lib/soak-chat.js';
import { sampleServer, SequenceCheck, type ServerSample } from './lib/soak-probe.js';
import { Histogram } from './lib/stats.js';
import { ViewerFleet, type FleetReport } from './lib/viewer-fleet.js';

requirePrograms([['ffmpeg', 'ffmpeg']]);
const num = (k: string, d: number) => Number(process.env[k] ?? d);
const MINUTES = num('SOAK_MINUTES', 30);
const VIEWERS = num('VIEWERS', 500);
const CLIENTS = num('CLIENTS', 2);
const CHAT_SOCKETS = num('CHAT_SOCKETS', 100);
const CHAT_SENDERS = num('CHAT_SENDERS', 10);
const CHAT_EVERY_MS = num('CHAT_EVERY_MS', 2000);
const RESTART_MINUTES = num('RESTART_MINUTES', 5);
const RESTART_GAP = num('RESTART_GAP', 5);
const VANISH_AT = num('VANISH_AT', RESTART_MINUTES * 1.5 < MINUTES ? RESTART_MINUTES * 1.5 : MINUTES / 2);
const VANISH_SECONDS = num('VANISH_SECONDS', 30);
// The segment cache (160 MiB by default) fills in 160 MiB / 2.5 Mbit/s = 9 min: RSS grows
// until then by design, so the warm-up is 10 min (a third of a shorter run).
const WARMUP = num('WARMUP_MINUTES', Math.min(10, Math.floor(MINUTES / 3)));
const RAMP = num('RAMP', 20);
const COMMAND = `SOAK_MINUTES=${MINUTES} VIEWERS=${VIEWERS} npm run bench:soak`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const stamp = () => new Date().toISOString().slice(11, 19);

if (openFileLimit() < VIEWERS * 8 + CHAT_SOCKETS * 2) {
  console.error(`bench: the open-file limit is ${openFileLimit()}; raise it first, e.g. \`ulimit -n ${VIEWERS * 8 + CHAT_SOCKETS * 2}\`.`);
  process.exit(1);
}

const root = join(tmpdir(), `sharecast-soak-${process.pid}`);
const obsDir = join(root, 'obs');
mkdirSync(obsDir, { recursive: true });
let { source, obs } = startSource('hls', obsDir);
const relay = await startSharecast(['--source', source, '--data', join(root, 'data')], { nodeArgs: npmStartFlags(), env: { SHARECAST_ADMIN_TOKEN: 'bench-admin-token-0123456789' } });
const pid = relay.child.pid as number;
process.on('exit', () => {
  relay.child.kill('SIGKILL');
  obs.process.kill('SIGKILL');
});
const load0 = machineLoad();
console.log(
  `soak: ${MINUTES} min, ${VIEWERS} viewers in ${CLIENTS} client processes, ${CHAT_SOCKETS} chat sockets (${CHAT_SENDERS} sending every ${CHAT_EVERY_MS} ms), OBS restart every ${RESTART_MINUTES} min (${RESTART_GAP} s away), source vanishing at ${VANISH_AT} min for ${VANISH_SECONDS} s; warm-up ${WARMUP} min; server pid ${pid}, flags ${npmStartFlags().join(' ')}; load average at start ${load0.load1.toFixed(2)}, ${load0.load5.toFixed(2)}, ${load0.load15.toFixed(2)} (2 cores)`,
);

for (let i = 0; ; i++) {
  const text = await fetch(`${relay.url}/hls/live/index.m3u8`).then((r) => (r.ok ? r.text() : ''), () => '');
  if ((text.match(/#EXTINF/g) ?? []).length >= 3) break;
  if (i > 300) throw new Error(`sharecast published nothing from ${source}`);
  await sleep(100);
}

const recordFrom = Date.now() + RAMP * 1000 + 2000;
const fleet = await ViewerFleet.start({ base: relay.url, playlist: '/hls/live/index.m3u8', count: VIEWERS, clients: CLIENTS, rampMs: RAMP * 1000, recordFrom });
const chat = await SoakChat.start({ url: relay.url, sockets: CHAT_SOCKETS, senders: CHAT_SENDERS, everyMs: CHAT_EVERY_MS });
const seq = new SequenceCheck(relay.url);
await sleep(recordFrom - Date.now());
await fleet.report(true);
await chat.report(true);
const errors0 = (await sampleServer(relay.url, pid)).serverErrors;

// ------------------------------------------------------------- events ----
const events: string[] = [];
const note = (what: string) => {
  events.push(`${stamp()} ${what}`);
  console.log(`  ${stamp()} ${what}`);
};
const t0 = Date.now();
const endAt = t0 + MINUTES * 60_000;
type Ev = { at: number; kind: 'restart' | 'vanish'; n: number };
const plan: Ev[] = [];
for (let k = 1; k * RESTART_MINUTES < MINUTES; k++) plan.push({ at: t0 + k * RESTART_MINUTES * 60_000, kind: 'restart', n: k });
if (VANISH_AT > 0 && VANISH_AT < MINUTES) plan.push({ at: t0 + VANISH_AT * 60_000, kind: 'vanish', n: 0 });
plan.sort((a, b) => a.at - b.at);

async function restart(n: number): Promise<void> {
  const crash = n % 2 === 0;
  await (crash ? obs.kill() : obs.stop());
  note(`OBS ${crash ? 'crashed (SIGKILL)' : 'stopped (ENDLIST)'}; back in ${RESTART_GAP} s`);
  await sleep(RESTART_GAP * 1000);
  ({ source, obs } = startSource('hls', obsDir));
  note('OBS started again');
}

async function vanish(): Promise<void> {
  const away = `${obsDir}-away`;
  renameSync(obsDir, away);
  note(`source folder renamed away (ffmpeg still running); back in ${VANISH_SECONDS} s`);
  await sleep(VANISH_SECONDS * 1000);
  const died = obs.process.exitCode !== null || obs.process.signalCode !== null;
  await obs.kill();
  renameSync(away, obsDir);
  note(`source folder back (ffmpeg had ${died ? 'died by itself' : 'to be killed'}); OBS started again`);
  ({ source, obs } = startSource('hls', obsDir));
}

const eventsDone = (async () => {
  for (const ev of plan) {
    await sleep(ev.at - Date.now());
    if (Date.now() >= endAt) return;
    await (ev.kind === 'restart' ? restart(ev.n) : vanish());
  }
})();

// ------------------------------------------------------------ samples ----
interface Minute {
  minute: number;
  s: ServerSample;
  v: FleetReport;
  c: ChatReport;
  problems: number;
}
const minutes: Minute[] = [];
const segTtfb = new Histogram();
const chatDelays = new Histogram();
const viewerErrors = new Map<string, number>();
const chatErrors = new Map<string, number>();
let stalls = 0;
let stallMs = 0;
let shownProblems = 0;
let shownTiming = 0;
let lastJiffies = machineJiffies();
const add = (m: Map<string, number>, k: string, n: number) => n > 0 && m.set(k, (m.get(k) ?? 0) + n);
const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
console.log('min  RSS MB  heap used/total MB  cache/external MB  fds (non-socket)  5xx  viewer errors  stalls  seg TTFB p99  chat sent/delivered  chat p99  chat errors  seq problems  machine busy, load');
for (let m = 1; m <= MINUTES; m++) {
  await sleep(t0 + m * 60_000 - Date.now());
  const [s, v, c] = await Promise.all([sampleServer(relay.url, pid), fleet.report(true), chat.report(true)]);
  const found = seq.problems();
  const problems = found.sequence.length;
  for (const p of found.sequence.slice(shownProblems)) note(`sequence problem: ${p}`);
  for (const p of found.timing.slice(shownTiming)) note(`timing: ${p}`);
  shownProblems = Math.max(shownProblems, found.sequence.length);
  shownTiming = Math.max(shownTiming, found.timing.length);
  if (v.errors.size > 0) note(`viewer errors: ${[...v.errors.entries()].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  const jiffies = machineJiffies();
  const busy = busyShare(lastJiffies, jiffies);
  lastJiffies = jiffies;
  minutes.push({ minute: m, s, v, c, problems });
  segTtfb.merge(v.ttfb.segment);
  chatDelays.merge(Histogram.from(c.delays));
  for (const [k, n] of v.errors) add(viewerErrors, k, n);
  add(chatErrors, 'failed to open', c.failedOpens);
  add(chatErrors, 'closed by the server', c.closes);
  add(chatErrors, 'lost (not back in 10 s)', c.lost);
  for (const [k, n] of c.errorFrames) add(chatErrors, `error frame ${k}`, n);
  stalls += v.stalls;
  stallMs += v.stallMs;
  const vErr = [...v.errors.values()].reduce((a, b) => a + b, 0);
  const cErr = c.failedOpens + c.closes + c.lost + c.errorFrames.reduce((a, [, n]) => a + n, 0);
  console.log(
    [
      String(m).padStart(3),
      f1(s.rssMb).padStart(7),
      `${f1(s.heapUsedMb)}/${f1(s.heapTotalMb)}`.padStart(19),
      `${f1(s.cacheMb)}/${f1(s.externalMb)}`.padStart(18),
      `${f0(s.fds)} (${f0(s.fileFds)})`.padStart(17),
      String(s.serverErrors - errors0).padStart(4),
      String(vErr).padStart(14),
      String(v.stalls).padStart(7),
      `${f1(v.ttfb.segment.percentile(99))} ms`.padStart(13),
      `${c.sent}/${c.delivered}`.padStart(20),
      `${f1(Histogram.from(c.delays).percentile(99))} ms`.padStart(9),
      String(cErr).padStart(12),
      String(problems).padStart(13),
      `${(busy * 100).toFixed(0)} %, ${machineLoad().load1.toFixed(1)}`.padStart(20),
    ].join(' '),
  );
}
await eventsDone;
const refetched = await seq.refetch();
await seq.stop();
await chat.stop();
await fleet.stop();
const watcherErrors = seq.serverErrors();
const { sequence: seqProblems, timing: timingProblems } = seq.problems();
const playlistsSeen = seq.watcher.playlists.length;
await relay.stop();
await obs.kill();
rmSync(root, { recursive: true, force: true });
rmSync(`${obsDir}-away`, { recursive: true, force: true });

// ------------------------------------------------------------ verdict ----
const load1 = machineLoad();
const after = minutes.filter((m) => m.minute > WARMUP);
const base = after[0];
const dev = (pick: (s: ServerSample) => number) => (base ? Math.max(...after.map((m) => Math.abs(pick(m.s) / pick(base.s) - 1))) * 100 : NaN);
const slope = (pick: (s: ServerSample) => number) => {
  if (after.length < 2) return NaN;
  const xs = after.map((m) => m.minute);
  const ys = after.map((m) => pick(m.s));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  return xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
};
const rssDev = dev((s) => s.rssMb);
const heapDev = dev((s) => s.heapUsedMb);
const last = minutes.at(-1);
// The viewers' keep-alive sockets come and go (each viewer holds one or two at a
// time), so one sample of all fds swings by hundreds: compare the largest count
// in the first and last thirds after the warm-up, and the non-socket fds (files,
// pipes, watches: what a leak in the source would grow) sample by sample.
const third = Math.max(1, Math.floor(after.length / 3));
const peak = (ms: Minute[]) => Math.max(...ms.map((m) => m.s.fds));
const fdGrowth = after.length > 0 ? peak(after.slice(-third)) - peak(after.slice(0, third)) : NaN;
// Non-socket fds: a file being read or an ffmpeg pipe may be open at one sample; growth is
// the largest count in the last third against the largest in the first.
const filePeak = (ms: Minute[]) => Math.max(...ms.map((m) => m.s.fileFds));
const fileFdGrowth = after.length > 0 ? filePeak(after.slice(-third)) - filePeak(after.slice(0, third)) : NaN;
const fdTolerance = after.length > 0 ? Math.max(10, Math.ceil(peak(after.slice(0, third)) * 0.02)) : 0;
const server5xx = (last?.s.serverErrors ?? errors0) - errors0;
const vErrors = [...viewerErrors.values()].reduce((a, b) => a + b, 0);
const cErrors = [...chatErrors.values()].reduce((a, b) => a + b, 0);
const totalErrors = server5xx + vErrors + cErrors + watcherErrors + refetched.changed.length;
const list = (m: Map<string, number>) => [...m.entries()].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');

console.log(`\nevents:\n${events.map((e) => `  ${e}`).join('\n')}`);
console.log(`load average at the end ${load1.load1.toFixed(2)}, ${load1.load5.toFixed(2)}, ${load1.load15.toFixed(2)}`);
console.log(`after the ${WARMUP} min warm-up (minutes ${base?.minute ?? '-'}..${last?.minute ?? '-'}):`);
console.log(
  `  RSS ${f1(base?.s.rssMb ?? NaN)} -> ${f1(last?.s.rssMb ?? NaN)} MB (min ${f1(Math.min(...after.map((m) => m.s.rssMb)))}, max ${f1(Math.max(...after.map((m) => m.s.rssMb)))}), largest deviation ${f1(rssDev)} %, slope ${slope((s) => s.rssMb).toFixed(2)} MB/min: ${verdict(rssDev <= 10)} (target within +-10 %)`,
);
console.log(`  segment cache ${f1(base?.s.cacheMb ?? NaN)} -> ${f1(last?.s.cacheMb ?? NaN)} MB; RSS less the cache ${f1((base?.s.rssMb ?? NaN) - (base?.s.cacheMb ?? NaN))} -> ${f1((last?.s.rssMb ?? NaN) - (last?.s.cacheMb ?? NaN))} MB`);
console.log(`  heap used ${f1(base?.s.heapUsedMb ?? NaN)} -> ${f1(last?.s.heapUsedMb ?? NaN)} MB, largest deviation ${f1(heapDev)} %, slope ${slope((s) => s.heapUsedMb).toFixed(2)} MB/min (no target; what RSS follows)`);
console.log(
  `  fds ${base?.s.fds ?? '-'} -> ${last?.s.fds ?? '-'} (min ${Math.min(...after.map((m) => m.s.fds))}, max ${Math.max(...after.map((m) => m.s.fds))}); peak of the last third vs the first ${fdGrowth >= 0 ? '+' : ''}${fdGrowth} (tolerance ${fdTolerance}, the viewers' keep-alive sockets come and go); non-socket fds ${base?.s.fileFds ?? '-'} -> ${last?.s.fileFds ?? '-'} (min ${Math.min(...after.map((m) => m.s.fileFds))}, max ${filePeak(after)}; peak of the last third vs the first ${fileFdGrowth >= 0 ? '+' : ''}${fileFdGrowth}): ${verdict(fdGrowth <= fdTolerance && fileFdGrowth <= 0)} (target no growth)`,
);
console.log(
  `  errors ${totalErrors}: server 5xx ${server5xx} (its /metrics), watcher 5xx ${watcherErrors}, viewers: ${list(viewerErrors)}; chat: ${list(chatErrors)}; segments with other bytes on refetch ${refetched.changed.length}/${refetched.checked}: ${verdict(totalErrors === 0)} (target none)`,
);
console.log(`  media sequence: ${playlistsSeen} playlist versions checked, ${seqProblems.length} problems (monotonic msn and discontinuity sequence, an msn never renamed, no URI for two msns, RFC 8216)${seqProblems.length ? `: ${seqProblems.slice(0, 10).join('; ')}` : ''}: ${verdict(seqProblems.length === 0)}`);
console.log(`  timing (no target): ${timingProblems.length} gaps of more than 1.5 target durations between new segments while live, as the watcher saw them${timingProblems.length ? `: ${timingProblems.slice(0, 6).join('; ')}` : ''}`);
console.log(`  viewers (whole run): ${stalls} stalls (${(stallMs / 1000).toFixed(1)} s in all), segment TTFB p50/p99 ${f1(segTtfb.percentile(50))}/${f1(segTtfb.percentile(99))} ms; chat delivery p50/p99 ${f1(chatDelays.percentile(50))}/${f1(chatDelays.percentile(99))} ms (no targets here)`);

const note2 = `load ${load0.load1.toFixed(1)} at start, ${load1.load1.toFixed(1)} at end; ${WARMUP} min warm-up`;
record({ id: 'soak.rss_deviation', what: `soak ${MINUTES} min, ${VIEWERS} viewers: RSS largest deviation after warm-up`, value: rssDev, unit: '%', target: { op: '<=', value: 10 }, command: COMMAND, note: `${f1(base?.s.rssMb ?? NaN)} -> ${f1(last?.s.rssMb ?? NaN)} MB; ${note2}` });
record({ id: 'soak.rss_end', what: `soak ${MINUTES} min, ${VIEWERS} viewers: RSS at the end`, value: last?.s.rssMb ?? NaN, unit: 'MB', command: COMMAND });
record({ id: 'soak.heap_deviation', what: `soak ${MINUTES} min: heap used, largest deviation after warm-up`, value: heapDev, unit: '%', command: COMMAND });
record({ id: 'soak.errors', what: `soak ${MINUTES} min: errors (5xx, viewer, chat)`, value: totalErrors, unit: '', target: { op: '<=', value: 0 }, command: COMMAND, note: `viewers: ${list(viewerErrors)}; chat: ${list(chatErrors)}; 5xx ${server5xx}` });
record({ id: 'soak.fd_growth', what: `soak ${MINUTES} min: non-socket fd growth after warm-up`, value: fileFdGrowth, unit: '', target: { op: '<=', value: 0 }, command: COMMAND, note: `all fds ${base?.s.fds ?? '-'} -> ${last?.s.fds ?? '-'}` });
record({ id: 'soak.sequence_problems', what: `soak ${MINUTES} min: media sequence problems`, value: seqProblems.length, unit: '', target: { op: '<=', value: 0 }, command: COMMAND });
record({ id: 'soak.growth_gaps', what: `soak ${MINUTES} min: gaps > 1.5 target durations between new segments`, value: timingProblems.length, unit: '', command: COMMAND, note: 'OBS restarts (the gap before the slate) and a starved machine' });
record({ id: 'soak.stalls', what: `soak ${MINUTES} min, ${VIEWERS} viewers: stalls`, value: stalls, unit: '', command: COMMAND, note: 'with an OBS restart every 5 min and the source vanishing once' });
process.exit(0);
