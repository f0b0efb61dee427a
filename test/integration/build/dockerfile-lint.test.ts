/**
 * No Docker engine with BuildKit runs here, so the build files are checked by
 * reading them with real parsers: Dockerfile.armv7 with dockerfile-ast and
 * dockerfile-utils (the parser and linter behind Docker's VS Code extension),
 * docker-bake.hcl with @cdktf/hcl2json (HashiCorp's HCL parser built to WASM),
 * and the compose example with dclint (the Compose JSON schema plus lint rules).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { DCLinter } from 'dclint';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';
import { isIgnored, parseDockerignore } from '../../../scripts/arm/dockerignore.js';
import { OPTIONS, envName } from '../../../src/config/options.js';
import { findStage, lastInstruction, parseDockerfile, stageEnv, type DockerStage, type DockerfileModel } from '../../../scripts/arm/dockerfile-model.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const read = (rel: string) => readFileSync(join(REPO, rel), 'utf8');

const DOCKERFILE = 'Dockerfile.armv7';
const dockerfileText = read(DOCKERFILE);
const model: DockerfileModel = parseDockerfile(dockerfileText);
const pkg = JSON.parse(read('package.json')) as { version: string; license: string; bin: Record<string, string>; files: string[]; scripts: Record<string, string> };
/** SHARECAST_* variables sharecast reads, and those that hold secrets. */
const optionEnv = new Set(OPTIONS.map(envName));
const secretEnv = OPTIONS.filter((o) => o.secret).map(envName);
const defaultListen = String(OPTIONS.find((o) => o.key === 'listen')?.default ?? '');
const ignoreRules = parseDockerignore(existsSync(join(REPO, '.dockerignore')) ? read('.dockerignore') : '');

function stage(name: string): DockerStage {
  const s = model.stages.find((x) => x.name === name);
  assert.ok(s, `${DOCKERFILE} has a stage named "${name}"`);
  return s;
}

/** COPY instructions of a stage as { from, sources, dest (absolute) }. */
function copies(s: DockerStage): Array<{ line: number; from: string | undefined; chown: string | undefined; sources: string[]; dest: string }> {
  let workdir = '/';
  const out = [];
  for (const i of s.instructions) {
    if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args[0] ?? '/');
    if (i.keyword !== 'COPY') continue;
    const args = [...i.args];
    const dest = args.pop() as string;
    out.push({ line: i.line, from: i.flags.get('from'), chown: i.flags.get('chown'), sources: args, dest: posix.resolve(workdir, dest) });
  }
  return out;
}

/** Container paths a stage makes: COPY destinations and what its RUN commands produce. */
function producedPaths(s: DockerStage): string[] {
  const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string } };
  let workdir = '/';
  const out: string[] = [];
  for (const i of s.instructions) {
    if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args[0] ?? '/');
    if (i.keyword === 'COPY') {
      const args = [...i.args];
      const dest = posix.resolve(workdir, args.pop() as string);
      for (const src of args) out.push(i.args.at(-1)?.endsWith('/') ? posix.join(dest, posix.basename(src)) : dest);
    }
    if (i.keyword === 'RUN') {
      if (/\bnpm ci\b/.test(i.text)) out.push(posix.join(workdir, 'node_modules'));
      if (/\bnpm run build\b/.test(i.text)) out.push(posix.resolve(workdir, tsconfig.compilerOptions.outDir));
      for (const m of i.text.matchAll(/\bmkdir\s+(?:-p\s+)?(\S+)/g)) out.push(posix.resolve(workdir, m[1] as string));
    }
  }
  return out;
}

describe('Dockerfile.armv7', () => {
  it('parses and passes dockerfile-utils validation', () => {
    const problems = validate(dockerfileText).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    assert.ok(model.stages.length >= 2);
  });

  it('builds on $BUILDPLATFORM with npm ci, tsc and a production prune', () => {
    const build = stage('build');
    assert.equal(build.index, 0, 'the build stage comes first');
    assert.equal(build.platformText, '$BUILDPLATFORM');
    assert.match(build.image, /^node:(\d+)[-.\w]*$/);
    assert.ok(Number(/^node:(\d+)/.exec(build.image)?.[1]) >= 20, `build image ${build.image} is Node 20+`);
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.text);
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    assert.ok(at(/\bnpm ci\b/) >= 0, 'RUN npm ci');
    assert.ok(at(/\bnpm run build\b/) >= at(/\bnpm ci\b/), 'RUN npm run build after npm ci');
    assert.match(pkg.scripts.build ?? '', /\btsc\b/, 'npm run build is tsc');
    assert.ok(at(/\bnpm prune --omit=dev\b/) >= at(/\bnpm run build\b/), 'RUN npm prune --omit=dev after the build');
  });

  it('runs on linux/arm/v7 (by default) from a slim Node 20+ image, with no RUN in the runtime stage', () => {
    const runtime = stage('runtime');
    assert.equal(runtime.index, model.stages.length - 1, 'the runtime stage is the last, the default target');
    assert.equal(runtime.platform, 'linux/arm/v7', `runtime FROM --platform=${runtime.platformText} resolves to linux/arm/v7`);
    assert.match(runtime.image, /^node:\d+-[\w-]*slim$/);
    assert.ok(Number(/^node:(\d+)/.exec(runtime.image)?.[1]) >= 20);
    assert.equal(model.stages.find((s) => s.name === 'runtime')?.image, stage('build').image, 'same Node in both stages');
    // A RUN there would execute ARM code at build time and need QEMU in BuildKit.
    assert.deepEqual(
      runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => `line ${i.line}: RUN ${i.text}`),
      [],
      'the runtime stage must not RUN anything (move it to the build stage)',
    );
  });

  it('every COPY --from names an earlier stage, and what it copies was made there', () => {
    for (const s of model.stages) {
      for (const c of copies(s)) {
        if (c.from === undefined) continue;
        const from = findStage(model, c.from);
        assert.ok(from, `line ${c.line}: COPY --from=${c.from} names a stage`);
        assert.ok(from.index < s.index, `line ${c.line}: --from=${c.from} is an earlier stage`);
        const made = producedPaths(from);
        for (const src of c.sources) {
          assert.ok(
            made.some((p) => src === p || src.startsWith(`${p}/`) || p.startsWith(`${src}/`)),
            `line ${c.line}: ${src} is made by stage ${c.from} (it makes ${made.join(', ')})`,
          );
        }
      }
    }
  });

  it('every file copied from the build context exists and is not left out by .dockerignore', () => {
    let count = 0;
    for (const s of model.stages) {
      for (const c of copies(s)) {
        if (c.from !== undefined) continue;
        for (const src of c.sources) {
          count++;
          assert.ok(existsSync(join(REPO, src)), `line ${c.line}: COPY ${src}: no such file in the repository`);
          assert.equal(isIgnored(ignoreRules, src), false, `line ${c.line}: COPY ${src}, but .dockerignore leaves it out`);
        }
      }
    }
    assert.ok(count >= 5);
    for (const secretish of ['.env', 'sharecast.env', 'node_modules/x', 'dist/main.js', '.git/config', 'data/chat.json']) {
      assert.ok(isIgnored(ignoreRules, secretish), `.dockerignore keeps ${secretish} out of the build context`);
    }
  });

  it('the runtime /app holds everything the server reads: package.json, bin, dist, web, fixtures, node_modules, the health check', () => {
    const runtime = stage('runtime');
    const dests = copies(runtime).flatMap((c) => (c.sources.length > 1 ? c.sources.map((s) => posix.join(c.dest, posix.basename(s))) : [c.dest]));
    const needed = ['/app/package.json', '/app/node_modules', '/app/dist', '/app/bin', '/app/web', '/app/fixtures', '/app/docker'];
    // Whatever package.json publishes as part of the program (an example config is not).
    for (const f of pkg.files) if (!/\.example\./.test(f)) needed.push(posix.join('/app', f));
    for (const p of new Set(needed)) assert.ok(dests.includes(p), `the runtime stage copies ${p} (it copies ${dests.join(', ')})`);
    assert.equal(lastInstruction(runtime, 'WORKDIR')?.args[0], '/app');
  });

  it('runs as a non-root user with /data as a volume it owns', () => {
    const runtime = stage('runtime');
    const user = lastInstruction(runtime, 'USER')?.args[0];
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user} is not root`);
    const volumes = runtime.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.args);
    assert.ok(volumes.includes('/data'), 'VOLUME /data');
    const dataCopy = copies(runtime).find((c) => c.dest === '/data');
    assert.ok(dataCopy, 'the runtime stage creates /data');
    assert.equal(dataCopy.chown?.split(':')[0], user, '/data belongs to the user the server runs as');
    assert.equal(stageEnv(runtime).get('SHARECAST_DATA'), '/data');
  });

  it('exposes the HTTP port the server listens on and checks /healthz with the image\'s own node', () => {
    const runtime = stage('runtime');
    const env = stageEnv(runtime);
    const listen = env.get('SHARECAST_LISTEN') ?? '';
    const port = listen.slice(listen.lastIndexOf(':') + 1);
    assert.match(port, /^\d+$/, `SHARECAST_LISTEN=${listen}`);
    const exposed = runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.map((a) => a.split('/')[0]));
    assert.deepEqual(exposed, [port]);
    assert.equal(port, defaultListen.slice(defaultListen.lastIndexOf(':') + 1), 'the image keeps sharecast\'s default port');
    for (const name of env.keys()) {
      if (name.startsWith('SHARECAST_')) assert.ok(optionEnv.has(name), `ENV ${name} is a variable sharecast reads`);
    }
    const hc = lastInstruction(runtime, 'HEALTHCHECK');
    assert.ok(hc?.json, 'HEALTHCHECK CMD in exec form');
    assert.equal(hc.json[0], 'node');
    const script = hc.json[1] as string;
    assert.ok(existsSync(join(REPO, script)), `${script} exists`);
    assert.match(read(script), /\/healthz/);
    assert.ok(hc.flags.has('interval') && hc.flags.has('timeout') && hc.flags.has('start-period'));
  });

  it('starts bin/sharecast.js with node, NODE_ENV=production and a V8 heap sized for a 1 GB board', () => {
    const runtime = stage('runtime');
    const cmd = lastInstruction(runtime, 'CMD')?.json;
    assert.deepEqual(cmd, ['node', pkg.bin.sharecast]);
    assert.equal(lastInstruction(runtime, 'ENTRYPOINT'), undefined, 'no ENTRYPOINT: `docker run IMAGE node ...` stays possible');
    const env = stageEnv(runtime);
    assert.equal(env.get('NODE_ENV'), 'production');
    const heap = Number(/--max-old-space-size=(\d+)/.exec(env.get('NODE_OPTIONS') ?? '')?.[1]);
    assert.ok(heap >= 128 && heap <= 512, `--max-old-space-size=${heap} MiB suits a 1 GB board`);
  });

  it('carries the OCI labels, version and revision from build arguments', () => {
    const runtime = stage('runtime');
    const labels = new Map(runtime.instructions.filter((i) => i.keyword === 'LABEL').flatMap((i) => i.pairs));
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'source', 'licenses']) {
      assert.ok(labels.has(`org.opencontainers.image.${key}`), `LABEL org.opencontainers.image.${key}`);
    }
    assert.equal(labels.get('org.opencontainers.image.licenses'), pkg.license);
    assert.equal(labels.get('org.opencontainers.image.title'), 'sharecast');
    const versionLabel = runtime.instructions.find((i) => i.keyword === 'LABEL' && /org\.opencontainers\.image\.version="\$\{VERSION\}"/.test(i.text));
    assert.ok(versionLabel, 'the version label comes from ARG VERSION');
    assert.doesNotMatch(labels.get('org.opencontainers.image.base.name') ?? '', /\$\{|:-/, 'base.name label has its variables expanded');
  });
});

type HclBlock = Record<string, unknown>;
interface Bake {
  variable?: Record<string, HclBlock[]>;
  function?: Record<string, HclBlock[]>;
  group?: Record<string, Array<{ targets?: string[] }>>;
  target?: Record<string, HclBlock[]>;
}

describe('docker-bake.hcl', () => {
  let bake: Bake;
  before(async () => {
    bake = (await parseHcl('docker-bake.hcl', read('docker-bake.hcl'))) as Bake;
  });

  /** A target's attributes with its inherits applied (child wins, args merged). */
  function resolved(name: string, seen = new Set<string>()): HclBlock {
    assert.ok(!seen.has(name), `inherits loop at ${name}`);
    seen.add(name);
    const block = bake.target?.[name]?.[0];
    assert.ok(block, `target "${name}" exists`);
    let out: HclBlock = {};
    for (const parent of (block.inherits as string[] | undefined) ?? []) out = { ...out, ...resolved(parent, seen) };
    const args = { ...((out.args as Record<string, string>) ?? {}), ...((block.args as Record<string, string>) ?? {}) };
    return { ...out, ...block, args };
  }

  it('has armv7, arm64 and amd64 targets and a default group of exactly those', () => {
    for (const t of ['armv7', 'arm64', 'amd64']) assert.ok(bake.target?.[t], `target "${t}"`);
    assert.deepEqual([...(bake.group?.default?.[0]?.targets ?? [])].sort(), ['amd64', 'arm64', 'armv7']);
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

  it('each board target builds Dockerfile.armv7\'s runtime stage for its own platform', () => {
    const expected: Record<string, string> = { armv7: 'linux/arm/v7', arm64: 'linux/arm64', amd64: 'linux/amd64' };
    const dockerfileArgs = new Set([...model.globalArgs.keys(), ...model.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.pairs[0]?.[0] ?? ''))]);
    for (const [name, platform] of Object.entries(expected)) {
      const t = resolved(name);
      assert.equal(t.dockerfile, DOCKERFILE, `${name}: dockerfile`);
      assert.ok(existsSync(join(REPO, (t.context as string) ?? '.', t.dockerfile as string)), `${name}: the Dockerfile exists in the context`);
      assert.ok(model.stages.some((s) => s.name === t.target), `${name}: target stage "${String(t.target)}" exists`);
      assert.deepEqual(t.platforms, [platform], `${name}: platforms`);
      const args = t.args as Record<string, string>;
      assert.equal(args.RUNTIME_PLATFORM, platform, `${name}: RUNTIME_PLATFORM matches the platform`);
      for (const arg of Object.keys(args)) assert.ok(dockerfileArgs.has(arg), `${name}: build arg ${arg} is an ARG of ${DOCKERFILE}`);
    }
  });

  it('tags come from IMAGE and VERSION, and VERSION defaults to package.json\'s version', () => {
    const variable = (name: string) => bake.variable?.[name]?.[0];
    assert.equal(variable('VERSION')?.default, pkg.version);
    assert.ok(variable('IMAGE'));
    const fn = JSON.stringify(bake.function?.tags_for?.[0]?.result ?? '');
    assert.match(fn, /\$\{IMAGE\}:\$\{VERSION\}-\$\{arch\}/);
    for (const name of ['armv7', 'arm64', 'amd64']) assert.equal(resolved(name).tags, `\${tags_for("${name}")}`);
  });

  it('every target has CI cache settings driven by the CACHE variable', () => {
    assert.ok(bake.variable?.CACHE, 'variable CACHE');
    for (const name of ['armv7', 'arm64', 'amd64']) {
      const t = resolved(name);
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
});

describe('compose example', () => {
  const file = 'docs/compose.example.yaml';
  const doc = parseYaml(read(file)) as { services: Record<string, Record<string, unknown>> };
  const service = doc.services.sharecast as Record<string, unknown>;

  it('passes the Compose schema and dclint\'s rules', () => {
    const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
    // dclint's .d.ts files use extensionless imports that NodeNext cannot follow; its result type, spelled out:
    const results: Array<{ messages: Array<{ line: number; rule: string; message: string }> }> = linter.lintFiles([join(REPO, file)], false);
    const messages = results.flatMap((r) => r.messages.map((m) => `${m.line}: ${m.rule}: ${m.message}`));
    assert.deepEqual(messages, []);
  });

  it('runs the armv7 image with /data as a volume and the exposed port published', () => {
    assert.match(String(service.image), /sharecast:armv7/);
    assert.ok((service.volumes as string[]).some((v) => v.endsWith(':/data')));
    assert.ok((service.ports as string[]).some((p) => p.endsWith(':8080')));
  });

  it('takes the SMB source from the environment and keeps secrets out of the file', () => {
    const env = service.environment as Record<string, string>;
    assert.match(env.SHARECAST_SOURCE ?? '', /^\$\{SHARECAST_SOURCE[:?}]/, 'SHARECAST_SOURCE is filled in from the environment');
    assert.ok(secretEnv.includes('SHARECAST_SMB_PASSWORD') && secretEnv.includes('SHARECAST_ADMIN_TOKEN'));
    for (const secret of secretEnv) assert.ok(!(secret in env), `${secret} is not written in the compose file`);
    for (const name of Object.keys(env)) assert.ok(optionEnv.has(name), `environment ${name} is a variable sharecast reads`);
    assert.doesNotMatch(read(file), /smb:\/\/[^@\s/]*:[^@\s/]*@/, 'no smb://user:password@ in the file');
    const envFiles = service.env_file as string[];
    assert.ok(envFiles.length > 0, 'secrets come from an env file');
    const example = read('docs/sharecast.env.example');
    assert.match(example, /^SHARECAST_SMB_PASSWORD=$/m);
    for (const m of example.matchAll(/^([A-Z_]+)=(.*)$/gm)) {
      assert.ok(optionEnv.has(m[1] as string), `sharecast.env.example: ${m[1]} is a variable sharecast reads`);
      assert.equal(m[2], '', `sharecast.env.example: ${m[1]} is left empty`);
    }
    assert.ok(isIgnored(ignoreRules, 'sharecast.env'), 'the env file never enters a build context');
  });
});
