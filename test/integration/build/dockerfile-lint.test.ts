/**
 * No Docker engine with BuildKit runs here, so the build files are checked by
 * reading them with real parsers: Dockerfile.armv7 with dockerfile-ast and
 * dockerfile-utils (the parser and linter behind Docker's VS Code extension),
 * and the compose example with dclint (the Compose JSON schema plus lint rules).
 * docker-bake.hcl and the Node.js line of each target are checked in
 * test/unit/build/docker-bake.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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

function stage(name: string, m: DockerfileModel = model): DockerStage {
  const s = m.stages.find((x) => x.name === name);
  assert.ok(s, `${DOCKERFILE} has a stage named "${name}"`);
  return s;
}

/** A stage and the stages it is built FROM, down to the one on an image. */
function fromChain(s: DockerStage, m: DockerfileModel = model): DockerStage[] {
  const chain = [s];
  for (let parent = findStage(m, s.image); parent; parent = findStage(m, parent.image)) {
    assert.ok(parent.index < (chain.at(-1) as DockerStage).index, `FROM ${parent.name} is an earlier stage`);
    chain.push(parent);
  }
  return chain;
}

/** The Dockerfile as each RUNTIME builds it, ARGs at their defaults otherwise. */
const runtimes = {
  node: parseDockerfile(dockerfileText, new Map([['RUNTIME', 'node']])),
  debian: parseDockerfile(dockerfileText, new Map([['RUNTIME', 'debian']])),
};

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

  it('runs on linux/arm/v7 (by default) on either runtime, with no RUN on the board\'s platform', () => {
    const runtime = stage('runtime');
    assert.equal(runtime.index, model.stages.length - 1, 'the runtime stage is the last, the default target');
    const bases: Record<keyof typeof runtimes, RegExp> = { node: /^node:\d+-[\w-]*slim$/, debian: /^debian:[a-z]+-slim$/ };
    for (const [kind, m] of Object.entries(runtimes) as Array<[keyof typeof runtimes, DockerfileModel]>) {
      const chain = fromChain(stage('runtime', m), m);
      assert.equal(chain[1]?.name, `runtime-${kind}`, `RUNTIME=${kind}: the runtime stage is built FROM runtime-${kind}`);
      const base = chain.at(-1) as DockerStage;
      assert.match(base.image, bases[kind], `RUNTIME=${kind}: the chain ends on a slim image (${base.image})`);
      assert.equal(base.platform, 'linux/arm/v7', `RUNTIME=${kind}: FROM --platform=${base.platformText} resolves to linux/arm/v7`);
      // A RUN there would execute ARM code at build time and need QEMU in BuildKit.
      assert.deepEqual(
        chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => `line ${i.line}: RUN ${i.text}`)),
        [],
        `RUNTIME=${kind}: no stage on the board's platform may RUN anything (move it to a $BUILDPLATFORM stage)`,
      );
    }
  });

  it('the debian runtime\'s nodejs is fetched and unpacked on the builder by docker/debian-node.sh', () => {
    const fetch = stage('debian-node', runtimes.debian);
    assert.equal(fetch.platformText, '$BUILDPLATFORM');
    assert.equal(fetch.image, stage('debian-target', runtimes.debian).image, 'the same Debian release on both sides');
    const run = fetch.instructions.find((i) => i.keyword === 'RUN');
    assert.ok(run && /debian-node install\b/.test(run.text), 'RUN debian-node install ...');
    for (const flag of ['--root /target', '--suite "$DEBIAN_SUITE"', '--node-line "$NODE_LINE"', '--user node:1000']) {
      assert.ok(run.text.includes(flag), `debian-node install ${flag}`);
    }
    assert.doesNotMatch(run.text, /--lenient-updates/, 'an image build never goes on without the security index');
    for (const platform of ['linux/arm/v7', 'linux/arm64', 'linux/amd64']) assert.ok(run.text.includes(`${platform})`), `maps ${platform} to a Debian architecture`);
    const copyScript = fetch.instructions.find((i) => i.keyword === 'COPY' && i.args[0] === 'docker/debian-node.sh');
    assert.ok(copyScript, 'COPY docker/debian-node.sh');
    const onto = stage('runtime-debian', runtimes.debian);
    assert.equal(onto.image, 'debian-target');
    assert.ok(onto.instructions.some((i) => i.keyword === 'COPY' && i.flags.get('from') === 'debian-node' && i.args.join(' ') === '/target/ /'));
  });

  it('every COPY --from names an earlier stage, and what it copies was made there', () => {
    for (const s of model.stages) {
      for (const c of copies(s)) {
        if (c.from === undefined) continue;
        const from = findStage(model, c.from);
        assert.ok(from, `line ${c.line}: COPY --from=${c.from} names a stage`);
        assert.ok(from.index < s.index, `line ${c.line}: --from=${c.from} is an earlier stage`);
        // A stage that is only an image (FROM, nothing else): its files are the image's own.
        if (from.instructions.length === 0 && !findStage(model, from.image)) continue;
        const made = producedPaths(from);
        for (const source of c.sources) {
          const src = source === '/' ? source : source.replace(/\/+$/, '');
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

  it('carries the OCI labels, version and revision from build arguments, and the base image and Node.js of each runtime', () => {
    const runtime = stage('runtime');
    const labels = new Map(runtime.instructions.filter((i) => i.keyword === 'LABEL').flatMap((i) => i.pairs));
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'source', 'licenses']) {
      assert.ok(labels.has(`org.opencontainers.image.${key}`), `LABEL org.opencontainers.image.${key}`);
    }
    for (const [kind, m] of Object.entries(runtimes)) {
      const chain = fromChain(stage('runtime', m), m);
      // Labels of a FROM stage are inherited; the nearest one wins.
      const inherited = new Map(chain.toReversed().flatMap((s) => s.instructions.filter((i) => i.keyword === 'LABEL').flatMap((i) => i.pairs)));
      assert.equal(inherited.get('org.opencontainers.image.base.name'), `docker.io/library/${(chain.at(-1) as DockerStage).image}`, `RUNTIME=${kind}: base.name names the base image`);
      assert.match(inherited.get('io.sharecast.node') ?? '', /^Node\.js \d+, /, `RUNTIME=${kind}: io.sharecast.node says which Node.js`);
    }
    assert.equal(labels.get('org.opencontainers.image.licenses'), pkg.license);
    assert.equal(labels.get('org.opencontainers.image.title'), 'sharecast');
    const versionLabel = runtime.instructions.find((i) => i.keyword === 'LABEL' && /org\.opencontainers\.image\.version="\$\{VERSION\}"/.test(i.text));
    assert.ok(versionLabel, 'the version label comes from ARG VERSION');
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
