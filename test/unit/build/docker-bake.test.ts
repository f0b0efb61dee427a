/**
 * docker-bake.hcl, read with @cdktf/hcl2json (HashiCorp's HCL parser built to
 * WASM; no Docker engine runs here), and the Node.js each target's image runs:
 * on the day of the build every target's runtime must still get security
 * fixes, by the dates in bin/node-lines.json. The day is today, or the bake
 * CREATED variable's date when it is set (as a CI build sets it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNodeLines } from '../../../bin/node-support.js';
import { defaultTargets, imageRuntime, loadBake, resolveTarget, type Bake } from '../../../scripts/arm/bake-model.js';
import { parseDockerfile } from '../../../scripts/arm/dockerfile-model.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const read = (rel: string) => readFileSync(join(REPO, rel), 'utf8');
const DOCKERFILE = 'Dockerfile.armv7';
const model = parseDockerfile(read(DOCKERFILE));
const table = loadNodeLines();
const bakeText = read('docker-bake.hcl');
const pkg = JSON.parse(read('package.json')) as { version: string; engines: { node: string } };
const PLATFORMS: Record<string, string> = { armv7: 'linux/arm/v7', 'armv7-debian': 'linux/arm/v7', arm64: 'linux/arm64', amd64: 'linux/amd64' };
/** Warn (not fail) this many days before a runtime's support ends. */
const NOTICE_DAYS = 120;

function buildDay(): string {
  const created = process.env.CREATED;
  if (created && !Number.isNaN(Date.parse(created))) return new Date(created).toISOString().slice(0, 10);
  return new Date().toISOString().slice(0, 10);
}
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

describe('docker-bake.hcl', () => {
  let bake: Bake;
  before(async () => {
    bake = await loadBake(REPO);
  });

  it('has the armv7, armv7-debian, arm64 and amd64 targets and a default group of exactly those', () => {
    for (const t of Object.keys(PLATFORMS)) assert.ok(bake.target?.[t], `target "${t}"`);
    assert.deepEqual(defaultTargets(bake).sort(), Object.keys(PLATFORMS).sort());
  });

  it('every group member and every inherited target exists', () => {
    for (const [name, blocks] of Object.entries(bake.group ?? {})) {
      for (const member of blocks[0]?.targets ?? []) {
        assert.ok(bake.target?.[member] || bake.group?.[member], `group "${name}" member "${member}" is a target or group`);
      }
    }
    for (const [name, blocks] of Object.entries(bake.target ?? {})) {
      for (const parent of (blocks[0]?.inherits as string[] | undefined) ?? []) assert.ok(bake.target?.[parent], `target "${name}" inherits existing "${parent}"`);
    }
  });

  it(`each board target builds ${DOCKERFILE}'s runtime stage for its own platform, with ARGs the Dockerfile declares`, () => {
    const dockerfileArgs = new Set([...model.globalArgs.keys(), ...model.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.pairs[0]?.[0] ?? ''))]);
    for (const [name, platform] of Object.entries(PLATFORMS)) {
      const t = resolveTarget(bake, name, {});
      assert.equal(t.raw.dockerfile, DOCKERFILE, `${name}: dockerfile`);
      assert.equal(t.raw.target, 'runtime', `${name}: the runtime stage`);
      assert.deepEqual(t.platforms, [platform], `${name}: platforms`);
      assert.equal(t.args.RUNTIME_PLATFORM, platform, `${name}: RUNTIME_PLATFORM matches the platform`);
      assert.ok(t.args.RUNTIME && t.args.NODE_LINE, `${name}: sets RUNTIME and NODE_LINE itself`);
      for (const arg of Object.keys(t.args)) assert.ok(dockerfileArgs.has(arg), `${name}: build arg ${arg} is an ARG of ${DOCKERFILE}`);
    }
  });

  it('tags come from IMAGE and VERSION, and VERSION defaults to package.json\'s version', () => {
    assert.equal(bake.variable?.VERSION?.[0]?.default, pkg.version);
    assert.ok(bake.variable?.IMAGE);
    const fn = JSON.stringify(bake.function?.tags_for?.[0]?.result ?? '');
    assert.match(fn, /\$\{IMAGE\}:\$\{VERSION\}-\$\{arch\}/);
    for (const name of Object.keys(PLATFORMS)) assert.equal(resolveTarget(bake, name, {}).raw.tags, `\${tags_for("${name}")}`);
  });

  it('every target has CI cache settings driven by the CACHE variable', () => {
    assert.ok(bake.variable?.CACHE, 'variable CACHE');
    for (const name of Object.keys(PLATFORMS)) {
      const t = resolveTarget(bake, name, {}).raw;
      assert.equal(t['cache-from'], `\${cache_from("${name}")}`);
      assert.equal(t['cache-to'], `\${cache_to("${name}")}`);
    }
    for (const fn of ['cache_from', 'cache_to']) {
      const body = JSON.stringify(bake.function?.[fn]?.[0]?.result ?? '');
      for (const kind of ['gha', 'registry', 'local']) assert.match(body, new RegExp(`CACHE == \\\\"${kind}\\\\"`), `${fn} handles CACHE=${kind}`);
    }
  });

  it('every upper-case name used in an expression is a declared variable; every function called is declared or built in', () => {
    const declared = new Set(Object.keys(bake.variable ?? {}));
    const functions = new Set([...Object.keys(bake.function ?? {}), 'concat']);
    const values = JSON.stringify([bake.function, Object.values(bake.target ?? {}).map((b) => Object.entries(b[0] ?? {}).map(([, v]) => v))]);
    for (const expr of values.match(/\$\{[^}]*\}/g) ?? []) {
      for (const name of expr.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? []) assert.ok(declared.has(name), `${expr}: variable ${name} is declared`);
    }
    for (const call of values.match(/\b[a-z_]+\(/g) ?? []) assert.ok(functions.has(call.slice(0, -1)), `function ${call} is declared`);
  });

  it('each Node.js default is a variable with its reason written beside it', () => {
    const nodeVariables = Object.keys(bake.variable ?? {}).filter((v) => /^(NODE_|DEBIAN_SUITE|BUILD_NODE)/.test(v));
    assert.ok(nodeVariables.length >= 5, `Node.js variables: ${nodeVariables.join(', ')}`);
    for (const name of nodeVariables) {
      const block = new RegExp(`variable "${name}" \\{\\n((?:\\s*#.*\\n)+)\\s*default`).exec(bakeText);
      assert.ok(block, `variable "${name}" has a comment before its default`);
      assert.ok((block[1] as string).replace(/\s*#\s*/g, ' ').trim().length > 40, `variable "${name}": the comment says why`);
    }
  });
});

describe('Node.js of each image (bin/node-lines.json)', () => {
  let bake: Bake;
  before(async () => {
    bake = await loadBake(REPO);
  });
  const day = buildDay();

  it(`every target's runtime is a tested line that still gets security fixes on ${day}`, (t) => {
    for (const name of defaultTargets(bake)) {
      const target = resolveTarget(bake, name);
      const rt = imageRuntime(target.args, model.globalArgs, table);
      assert.ok(rt.supportedUntil, `${name}: bin/node-lines.json knows ${rt.baseImage} with Node.js ${rt.line}`);
      assert.ok(
        rt.supportedUntil >= day,
        `${name}: ${rt.baseImage} (Node.js ${rt.line}, by ${rt.supportedBy}) was supported until ${rt.supportedUntil}; on ${day} it gets no security fixes. ` +
          'Change its NODE_LINE/RUNTIME default in docker-bake.hcl (docs/docker.md, "When a line ends").',
      );
      assert.equal(table.nodeLines[String(rt.line)]?.tested, true, `${name}: Node.js ${rt.line} is a tested line (package.json engines)`);
      const left = daysBetween(day, rt.supportedUntil);
      t.diagnostic(`${name}: ${rt.baseImage}, Node.js ${rt.line} by ${rt.supportedBy}, supported until ${rt.supportedUntil} (${left} days)`);
      if (left <= NOTICE_DAYS) t.diagnostic(`NOTICE ${name}: its runtime's support ends in ${left} days; plan the switch now`);
    }
  });

  it('every target\'s base image is published for the target\'s platform', () => {
    for (const name of defaultTargets(bake)) {
      const target = resolveTarget(bake, name);
      const rt = imageRuntime(target.args, model.globalArgs, table);
      for (const p of target.platforms) assert.ok(rt.platforms.includes(p), `${name}: ${rt.baseImage} is published for ${p} (it is for ${rt.platforms.join(', ')})`);
    }
  });

  it('the check fails a target once its line is past its end of life (the armv7 image in May 2027)', () => {
    const rt = imageRuntime({ RUNTIME: 'node', NODE_LINE: '22', NODE_VARIANT: 'bookworm-slim' }, model.globalArgs, table);
    assert.equal(rt.supportedUntil, '2027-04-30');
    assert.ok(rt.supportedUntil >= '2027-04-30' && !(rt.supportedUntil >= '2027-05-01'));
    const debian = imageRuntime({ RUNTIME: 'debian', NODE_LINE: '20', DEBIAN_SUITE: 'trixie' }, model.globalArgs, table);
    assert.equal(debian.supportedUntil, table.debian.trixie?.securityUntil);
    // Debian's support is for the line its release ships, not any other.
    assert.equal(imageRuntime({ RUNTIME: 'debian', NODE_LINE: '22', DEBIAN_SUITE: 'trixie' }, model.globalArgs, table).supportedUntil, undefined);
    // Node.js 20 on a Node.js image is past its end of life.
    const old = imageRuntime({ RUNTIME: 'node', NODE_LINE: '20', NODE_VARIANT: 'bookworm-slim' }, model.globalArgs, table);
    assert.equal(old.supportedUntil, '2026-04-30');
  });

  it('the armv7 targets run the Node.js project\'s last armv7 line and the runtime that outlasts it', async () => {
    const armv7 = imageRuntime(resolveTarget(bake, 'armv7').args, model.globalArgs, table);
    const debian = imageRuntime(resolveTarget(bake, 'armv7-debian').args, model.globalArgs, table);
    assert.equal(armv7.kind, 'node');
    assert.equal(debian.kind, 'debian');
    // No newer Node.js line has an armv7 image.
    const armLines = Object.entries(table.nodeImages).filter(([, variants]) => Object.values(variants).some((p) => p.includes('linux/arm/v7'))).map(([l]) => Number(l));
    assert.equal(armv7.line, Math.max(...armLines), 'armv7 runs the newest line with an armv7 image');
    assert.ok((debian.supportedUntil ?? '') > (armv7.supportedUntil ?? ''), 'armv7-debian is supported past the Node.js armv7 line');
  });

  it('package.json engines names exactly the tested lines', () => {
    const tested = Object.entries(table.nodeLines).filter(([, e]) => e.tested).map(([l]) => l);
    assert.deepEqual(pkg.engines.node.split('||').map((r) => r.trim()), tested.map((l) => `${l}.x`));
    for (const [line, e] of Object.entries(table.nodeLines)) {
      if (e.tested) assert.ok(e.testedWith && e.testedWith.version.startsWith(`${line}.`), `Node.js ${line}: testedWith is a ${line}.x build`);
    }
    // Every line an image runs is tested; the lines shipped are the ones engines names.
    assert.ok(tested.includes(String(process.versions.node.split('.')[0])), `this machine's Node.js ${process.version} is a tested line`);
  });

  it('the table\'s dates are real days, and each tested line ends after the one before', () => {
    const days = [
      ...Object.values(table.nodeLines).map((e) => e.eol),
      ...Object.values(table.debian).flatMap((d) => [d.securityUntil, d.ltsUntil]),
    ];
    for (const d of days) assert.match(d, /^\d{4}-\d{2}-\d{2}$/), assert.equal(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10), d);
    const lines = Object.keys(table.nodeLines).map(Number).sort((a, b) => a - b);
    for (let i = 1; i < lines.length; i++) assert.ok((table.nodeLines[String(lines[i])]?.eol ?? '') > (table.nodeLines[String(lines[i - 1])]?.eol ?? ''));
  });
});
