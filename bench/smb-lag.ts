// Relay lag over SMB: ffmpeg writes HLS into a folder that a real smbd shares
// (as OBS on the streamer's machine), sharecast reads it with an smb:// source
// at the default 250 ms tick. Lag is the time from a segment appearing in
// ffmpeg's playlist to its appearing in the relay's playlist, as p50 and p95
// over >= 30 segments (target p95 <= 350 ms). A counting TCP proxy between
// sharecast and smbd then measures SMB requests per second while the stream
// is idle (OBS stopped). Two runs: the default (tick + CHANGE_NOTIFY wake-ups)
// and --poll (the tick alone).
//   npm run bench:smb            (SEGMENTS=40 HLS_TIME=1 IDLE_SECONDS=10 POLL=250 MODES=default,poll)
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { startObs } from '../test/helpers/ffmpeg.js';
import { startSamba } from '../test/helpers/samba.js';
import { LagProbe } from './lib/lag-probe.js';
import { requirePrograms, startSharecast } from './lib/processes.js';
import { percentile, summary } from './lib/stats.js';

requirePrograms([
  ['ffmpeg', 'ffmpeg'],
  ['smbd', 'samba'],
]);
const SEGMENTS = Number(process.env['SEGMENTS'] ?? 40);
const HLS_TIME = Number(process.env['HLS_TIME'] ?? 1);
const IDLE_SECONDS = Number(process.env['IDLE_SECONDS'] ?? 10);
const POLL = process.env['POLL'];
const MODES = (process.env['MODES'] ?? 'default,poll').split(',').map((m) => m.trim()).filter((m) => m !== '');

const COMMANDS: Record<number, string> = { 0: 'NEGOTIATE', 1: 'SESSION_SETUP', 3: 'TREE_CONNECT', 5: 'CREATE', 6: 'CLOSE', 8: 'READ', 13: 'ECHO', 14: 'QUERY_DIRECTORY', 16: 'QUERY_INFO' };

/** Forwards sharecast <-> smbd and counts what sharecast sends: frames (round trips) and SMB2 messages by command. */
class CountingProxy {
  frames = 0;
  messages = 0;
  readonly byCommand = new Map<string, number>();
  private readonly server: Server;

  constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      let pending = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4) {
          const len = pending.readUInt32BE(0) & 0xffffff;
          if (pending.length < 4 + len) break;
          this.count(pending.subarray(4, 4 + len));
          pending = pending.subarray(4 + len);
        }
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  close(): void {
    this.server.close();
  }

  reset(): void {
    this.frames = 0;
    this.messages = 0;
    this.byCommand.clear();
  }

  private count(frame: Buffer): void {
    this.frames++;
    for (let at = 0; at + 64 <= frame.length; ) {
      this.messages++;
      const name = COMMANDS[frame.readUInt16LE(at + 12)] ?? `0x${frame.readUInt16LE(at + 12).toString(16)}`;
      this.byCommand.set(name, (this.byCommand.get(name) ?? 0) + 1);
      const next = frame.readUInt32LE(at + 20);
      if (next === 0) break;
      at += next;
    }
  }
}


/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function run(mode: string): Promise<void> {
  const samba = await startSamba();
  const dir = join(samba.sharePath(), 'obs');
  mkdirSync(dir);
  const proxy = new CountingProxy(samba.port);
  const proxyPort = await proxy.listen();
  process.env['SHARECAST_SMB_PASSWORD'] = samba.password;
  const relay = await startSharecast([
    '--source',
    `smb://${samba.user}@127.0.0.1:${proxyPort}/share/obs/stream.m3u8`,
    '--data',
    join(samba.dir, 'data'),
    ...(POLL ? ['--poll-interval', POLL] : []),
    ...(mode === 'poll' ? ['--poll'] : []),
  ]);
  const obs = startObs({ dir, hlsTime: HLS_TIME, listSize: 5, size: '640x360' });

  const probe = new LagProbe(dir, relay.url);
  probe.start();

  const cpuStart = cpuSeconds(relay.child.pid);
  const streamStart = performance.now();
  const started = Date.now();
  while (probe.sourceCount < SEGMENTS + 2 && Date.now() - started < (SEGMENTS * HLS_TIME + 40) * 1000) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const streamCpu = (cpuSeconds(relay.child.pid) - cpuStart) / ((performance.now() - streamStart) / 1000);
  const streamFrames = proxy.frames;
  const streamSeconds = (performance.now() - streamStart) / 1000;
  await probe.stop();
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();

  // Idle: OBS stopped (ffmpeg ends the playlist), nothing changes on the share.
  await obs.stop();
  await new Promise((r) => setTimeout(r, 2000));
  proxy.reset();
  const idleCpuStart = cpuSeconds(relay.child.pid);
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleSeconds = (performance.now() - idleStart) / 1000;
  const idleCpu = (cpuSeconds(relay.child.pid) - idleCpuStart) / idleSeconds;
  const idle = { frames: proxy.frames, messages: proxy.messages, byCommand: [...proxy.byCommand.entries()] };

  await relay.stop();
  proxy.close();
  await samba.cleanup();

  // The first two segments are the baseline and the window fill at start; the rest is steady state.
  const lags = probe.lags();
  const tick = POLL ?? '250 (default)';
  const how = mode === 'poll' ? 'the tick alone (--poll)' : 'tick + CHANGE_NOTIFY wake-ups (default)';
  console.log(`\n[${mode}] relay lag over SMB (Samba 4.17, SMB 3.1.1 signed, loopback), ${how}, tick ${tick} ms, hls_time=${HLS_TIME}s, 640x360, measured from outside with 5 ms polling on both sides:`);
  console.log(`  ${summary(lags)}   (target p95 <= 350 ms)${percentile(lags, 95) <= 350 ? '' : '  ABOVE TARGET'}`);
  const internal = /sharecast_relay_lag_seconds_sum\{stream="live"\} ([\d.e-]+)\nsharecast_relay_lag_seconds_count\{stream="live"\} (\d+)/.exec(metrics);
  if (internal) console.log(`  relay's own view (snapshot seen -> public): mean ${((Number(internal[1]) / Number(internal[2])) * 1000).toFixed(1)} ms over ${internal[2]} segments`);
  console.log(`  while streaming: ${(streamFrames / streamSeconds).toFixed(1)} SMB round trips/s, sharecast CPU ${(streamCpu * 100).toFixed(1)} % of one core`);
  console.log(`SMB requests while idle (OBS stopped), over ${idleSeconds.toFixed(1)} s:`);
  console.log(
    `  ${(idle.messages / idleSeconds).toFixed(1)} SMB2 requests/s in ${(idle.frames / idleSeconds).toFixed(1)} round trips/s (${idle.byCommand.map(([c, n]) => `${c} ${n}`).join(', ')}), sharecast CPU ${(idleCpu * 100).toFixed(1)} % of one core`,
  );
  if (lags.length < 30) {
    console.error(`only ${lags.length} segments matched; expected >= 30`);
    process.exitCode = 1;
  }
}

for (const mode of MODES) await run(mode);
