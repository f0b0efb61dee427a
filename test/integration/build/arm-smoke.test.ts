/**
 * The ARMv7 image, run without a container engine: scripts/arm-smoke builds
 * the production tree as Dockerfile.armv7's build stage does and serves the
 * demo stream on the runtime the armv7-debian image ships, Debian's armhf
 * nodejs package, under qemu-arm-static, and reports what it saw. This test
 * holds it to what a board user needs: the server is really an ARM process
 * on Debian's Node.js of the line docker-bake.hcl names, answers /healthz,
 * serves the playlist and segments whose bytes are the demo's own to 20
 * viewers, passes the image's HEALTHCHECK and stops on docker stop.
 *
 * It needs qemu-user-static and debootstrap (npm test's setup installs them on
 * Debian) and, when the cached armhf tree is missing or a week old, Debian's
 * mirror. When that is missing the test fails and says what to install; it
 * skips only where qemu's user-mode emulation cannot exist (not Linux).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNodeLines } from '../../../bin/node-support.js';
import { loadBake, resolveTarget } from '../../../scripts/arm/bake-model.js';
import type { SmokeResult } from '../../../scripts/arm/smoke-result.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const VIEWERS = 20;

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
    child = spawn(`${REPO}scripts/arm-smoke`, ['--json', '--serve-seconds', '10', '--viewers', String(VIEWERS)], {
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
  it('serves the demo stream from the image tree on Debian\'s armhf Node.js under qemu', { timeout: 15 * 60_000 }, async (t) => {
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

    // The armv7-debian image's runtime: Debian's nodejs of the suite and line the bake target names.
    const target = resolveTarget(await loadBake(REPO), 'armv7-debian');
    const release = loadNodeLines().debian[target.args.DEBIAN_SUITE ?? ''];
    assert.equal(result.runtime?.suite, target.args.DEBIAN_SUITE);
    assert.match(result.runtime?.nodePackage ?? '', new RegExp(`^${target.args.NODE_LINE}\\.\\d+\\.\\d+\\+dfsg`), 'a Debian nodejs package of the target\'s line');
    assert.equal(result.node?.version.split('.')[0], `v${target.args.NODE_LINE}`);
    assert.match(result.runtime?.userEntry ?? '', /^node:x:1000:1000:/, 'docker/debian-node.sh --user adds the image\'s node user');
    assert.equal(result.nodeSupport?.by, `Debian ${release?.version} (${target.args.DEBIAN_SUITE})`, 'the image\'s /usr/bin/node is judged Debian\'s');
    assert.equal(result.nodeSupport?.warning, null, 'no start-up warning in the image');
    if (result.runtime?.nodePackage !== release?.nodejs) {
      t.diagnostic(`NOTICE: Debian now ships nodejs ${result.runtime?.nodePackage}; bin/node-lines.json names ${release?.nodejs}`);
    }
    if (result.runtime?.indexWarning) t.diagnostic(`NOTICE: ${result.runtime.indexWarning}`);

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
    t.diagnostic(
      `process.arch=${result.arch}, Node ${result.node?.version} (Debian nodejs ${result.runtime?.nodePackage}); RSS serving ${VIEWERS} viewers: ` +
        `${rss} MB (peak ${result.memory?.guestPeakRssMB} MB) for the ARM process, ${result.memory?.qemuRssMB} MB for the whole qemu process`,
    );
  });
});
