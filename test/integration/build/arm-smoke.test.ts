/**
 * The ARMv7 image, run without a container engine: scripts/arm-smoke builds
 * the production tree as Dockerfile.armv7's build stage does, serves the demo
 * stream with Node's ARMv7 build under qemu-arm-static, and reports what it
 * saw. This test holds it to what a board user needs: the server is really an
 * ARM process, answers /healthz, serves the playlist and segments whose bytes
 * are the demo's own, passes the image's HEALTHCHECK and stops on docker stop.
 *
 * It needs qemu-user-static and debootstrap (npm test's setup installs them on
 * Debian) and, on a machine's first run, Debian's mirror and the npm registry
 * for the armhf libraries and the ARM Node (cached afterwards). When that is
 * missing the test fails and says what to install; it skips only where qemu's
 * user-mode emulation cannot exist (not Linux).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

interface SmokeResult {
  ok: boolean;
  error?: string;
  failures: string[];
  arch?: string;
  platform?: string;
  node?: { version: string; elf32: boolean; elfMachine: number };
  build?: { nativeFindings: number; packages: number; files: string[] };
  server?: {
    healthz: number;
    playlist: { status: number; segments: number };
    segment: { status: number; bytes: number; mpegts: boolean; fixture: string | undefined };
    requests: number;
    failedRequests: number;
  };
  healthcheck?: { exitCode: number | null };
  memory?: { guestRssMB: number; guestPeakRssMB: number; qemuRssMB: number };
  shutdown?: { signal: string; exitCode: number | null };
}

let child: ChildProcess | undefined;
after(async () => {
  const running = () => child && child.exitCode === null && child.signalCode === null;
  if (!running()) return;
  // SIGTERM lets the script stop the server it started; SIGKILL if it does not go.
  child?.kill('SIGTERM');
  for (let i = 0; i < 50 && running(); i++) await new Promise((r) => setTimeout(r, 100));
  if (running()) child?.kill('SIGKILL');
});

function runSmoke(): Promise<{ code: number | null; output: string; result: SmokeResult | undefined }> {
  return new Promise((resolve, reject) => {
    child = spawn(`${REPO}scripts/arm-smoke`, ['--json', '--serve-seconds', '8', '--viewers', '3'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('ARM_SMOKE_RESULT '));
      resolve({ code, output, result: line ? (JSON.parse(line.slice('ARM_SMOKE_RESULT '.length)) as SmokeResult) : undefined });
    });
  });
}

describe('ARM smoke run (scripts/arm-smoke)', { skip: process.platform !== 'linux' ? 'qemu user-mode emulation exists only on Linux' : false }, () => {
  it('serves the demo stream from the image tree on an ARMv7 Node under qemu', { timeout: 15 * 60_000 }, async (t) => {
    const { code, output, result } = await runSmoke();
    const report = output
      .split('\n')
      .filter((l) => l.startsWith('arm-smoke:'))
      .join('\n');
    assert.ok(result, `scripts/arm-smoke printed no result (exit ${code}):\n${output.slice(-4000)}`);
    assert.ok(result.ok, `scripts/arm-smoke failed: ${result.error ?? result.failures.join('; ')}\n\n${report}`);
    assert.equal(code, 0);

    // Really ARM: the binary is a 32-bit ARM ELF and Node says so.
    assert.equal(result.arch, 'arm');
    assert.equal(result.platform, 'linux');
    assert.equal(result.node?.elf32, true);
    assert.equal(result.node?.elfMachine, 40, 'e_machine EM_ARM');

    // The tree is the image's: pure JavaScript, with what the server reads.
    assert.equal(result.build?.nativeFindings, 0);
    for (const f of ['bin/', 'dist/', 'fixtures/', 'node_modules/', 'package.json', 'web/']) assert.ok(result.build?.files.includes(f), `the image's /app has ${f}`);

    // Served: health, playlist, a segment that is the demo's own bytes.
    const server = result.server;
    assert.ok(server);
    assert.equal(server.healthz, 200);
    assert.equal(server.playlist.status, 200);
    assert.ok(server.playlist.segments >= 1);
    assert.equal(server.segment.status, 200);
    assert.equal(server.segment.mpegts, true, 'the segment is MPEG-TS (0x47 every 188 bytes)');
    assert.ok(server.segment.fixture, 'the segment is byte-identical to a demo fixture file');
    assert.ok(server.requests > 0);
    assert.equal(server.failedRequests, 0, 'every viewer request answered 200');

    assert.equal(result.healthcheck?.exitCode, 0, 'the image HEALTHCHECK passes');
    assert.equal(result.shutdown?.signal, 'SIGTERM', 'the server stops on SIGTERM (docker stop) without being killed');

    // A figure to report, with only a sanity bound (the target is in docs/docker.md).
    const rss = result.memory?.guestRssMB ?? 0;
    assert.ok(rss > 10 && rss < 200, `guest RSS ${rss} MB is plausible`);
    t.diagnostic(`process.arch=${result.arch}; RSS while serving: ${rss} MB (peak ${result.memory?.guestPeakRssMB} MB) for the ARM process, ${result.memory?.qemuRssMB} MB for the whole qemu process`);
  });
});
