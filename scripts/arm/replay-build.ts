/**
 * Replays a Dockerfile's stages on this machine, without a container engine,
 * to make the exact file tree the image would hold.
 *
 * Each stage gets a folder standing for its root filesystem; container paths
 * map into it (/app -> <stage root>/app). The base image's own files are not
 * there: the replay holds only what the Dockerfile puts in. WORKDIR, ENV, ARG,
 * COPY (from the context, honouring .dockerignore, or --from another stage)
 * and RUN are carried out; RUN runs with this machine's sh, node and npm in
 * the stage's working folder, which is what `FROM --platform=$BUILDPLATFORM
 * node:20` gives the build stage. A RUN that names an absolute path would
 * touch this machine's own root, so the replay refuses it, and it refuses any
 * RUN in a stage whose platform is not the build platform (that would need
 * emulation in BuildKit too). The rest (LABEL, USER, EXPOSE, HEALTHCHECK, CMD,
 * ...) only describe the image; the caller reads them from the model.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { isIgnored, parseDockerignore, type IgnoreRule } from './dockerignore.js';
import { findStage, type DockerStage, type DockerfileModel } from './dockerfile-model.js';

export interface ReplayedStage {
  stage: DockerStage;
  /** Folder standing for the stage's root filesystem. */
  root: string;
  /** WORKDIR at the end of the stage (a container path). */
  workdir: string;
  env: Map<string, string>;
  /** One line per instruction carried out, for the report. */
  steps: string[];
}

export interface ReplayOptions {
  /** The build context (the repository). */
  context: string;
  model: DockerfileModel;
  /** Scratch folder; each stage gets a subfolder. */
  workDir: string;
  /** Environment RUN starts from (PATH, HOME, proxies); stage ENV/ARG go on top. */
  baseEnv: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** Host path standing for `containerPath` inside a stage root. */
function inRoot(root: string, containerPath: string): string {
  return join(root, posix.normalize(`/${containerPath}`));
}

function copyInto(src: string, dest: string, filter: (src: string) => boolean): void {
  if (statSync(src).isDirectory()) {
    mkdirSync(dest, { recursive: true });
    cpSync(src, dest, { recursive: true, filter, dereference: false, verbatimSymlinks: true });
  } else {
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(src, dest, { filter });
  }
}

/**
 * Replays `target` and every stage it copies from, in Dockerfile order, and
 * returns the replayed stages by index.
 */
export function replayStages(target: DockerStage, opts: ReplayOptions): Map<number, ReplayedStage> {
  const { model, context } = opts;
  const ignoreFile = join(context, '.dockerignore');
  const rules: IgnoreRule[] = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const needed = new Set<number>();
  const visit = (stage: DockerStage) => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    for (const i of stage.instructions) {
      const from = i.flags.get('from');
      if (i.keyword === 'COPY' && from !== undefined) {
        const dep = findStage(model, from);
        if (!dep) throw new ReplayError(`line ${i.line}: COPY --from=${from} names no stage of this Dockerfile`);
        if (dep.index >= stage.index) throw new ReplayError(`line ${i.line}: COPY --from=${from} names a later stage`);
        visit(dep);
      }
    }
  };
  visit(target);

  const done = new Map<number, ReplayedStage>();
  for (const stage of model.stages) {
    if (!needed.has(stage.index)) continue;
    done.set(stage.index, replayStage(stage, opts, rules, done));
  }
  return done;
}

function replayStage(stage: DockerStage, opts: ReplayOptions, rules: IgnoreRule[], done: Map<number, ReplayedStage>): ReplayedStage {
  const log = opts.log ?? (() => {});
  const root = join(opts.workDir, `stage-${stage.index}-${stage.name ?? 'unnamed'}`);
  mkdirSync(root, { recursive: true });
  const result: ReplayedStage = { stage, root, workdir: '/', env: new Map(), steps: [] };
  const onBuildPlatform = stage.platformText !== undefined && /^\$\{?BUILDPLATFORM\}?$/.test(stage.platformText);
  const label = `stage ${stage.name ?? stage.index}`;

  for (const i of stage.instructions) {
    const where = `Dockerfile line ${i.line}`;
    switch (i.keyword) {
      case 'WORKDIR': {
        result.workdir = posix.resolve(result.workdir, i.args[0] ?? '/');
        mkdirSync(inRoot(root, result.workdir), { recursive: true });
        break;
      }
      case 'ENV':
      case 'ARG':
        for (const [k, v] of i.pairs) result.env.set(k, v);
        break;
      case 'COPY': {
        if (i.json) throw new ReplayError(`${where}: COPY in JSON form is not replayed; write it in shell form`);
        const args = [...i.args];
        const dest = args.pop();
        if (!dest || args.length === 0) throw new ReplayError(`${where}: COPY needs a source and a destination`);
        const destPath = posix.resolve(result.workdir, dest);
        const destIsDir = dest.endsWith('/') || args.length > 1;
        const from = i.flags.get('from');
        for (const src of args) {
          if (/[*?[]/.test(src)) throw new ReplayError(`${where}: COPY with wildcards (${src}) is not replayed; name the files`);
          let hostSrc: string;
          let filter: (p: string) => boolean = () => true;
          if (from !== undefined) {
            const dep = done.get(findStage(opts.model, from)?.index ?? -1);
            if (!dep) throw new ReplayError(`${where}: COPY --from=${from}: stage not replayed`);
            hostSrc = inRoot(dep.root, posix.resolve(dep.workdir, src));
          } else {
            const rel = posix.normalize(src).replace(/^\/+/, '');
            if (rel.startsWith('..')) throw new ReplayError(`${where}: COPY ${src} reaches outside the build context`);
            if (isIgnored(rules, rel)) throw new ReplayError(`${where}: COPY ${src}: .dockerignore leaves it out of the build context`);
            hostSrc = join(opts.context, rel);
            filter = (p) => !isIgnored(rules, relative(opts.context, p).split('\\').join('/'));
          }
          if (!existsSync(hostSrc)) throw new ReplayError(`${where}: COPY ${from !== undefined ? `--from=${from} ` : ''}${src}: no such file`);
          // A folder's contents go into dest; a file goes to dest, or into it when dest is a folder.
          const target = statSync(hostSrc).isDirectory() || !destIsDir ? destPath : posix.join(destPath, basename(src));
          copyInto(hostSrc, inRoot(root, target), filter);
        }
        result.steps.push(`COPY ${from !== undefined ? `--from=${from} ` : ''}${i.args.join(' ')}`);
        break;
      }
      case 'RUN': {
        if (!onBuildPlatform) {
          throw new ReplayError(`${where}: RUN in ${label}, whose platform is not $BUILDPLATFORM: BuildKit would need emulation to run it`);
        }
        const command = i.json ? i.json : ['sh', '-c', i.text];
        const text = command.join(' ');
        if (/(^|[\s=:'"])\/(?!dev\/null\b)/.test(i.json ? text : i.text)) {
          throw new ReplayError(`${where}: RUN names an absolute path (${i.text}); the replay would touch this machine's own root. Use paths relative to WORKDIR.`);
        }
        const env: NodeJS.ProcessEnv = { ...opts.baseEnv };
        for (const [k, v] of result.env) env[k] = v;
        const cwd = inRoot(root, result.workdir);
        log(`${label}: RUN ${i.text}`);
        const started = Date.now();
        const r = spawnSync(command[0] as string, command.slice(1), { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
        writeFileSync(join(opts.workDir, `run-line-${i.line}.log`), output);
        if (r.error || r.status !== 0) {
          const tail = output.trim().split('\n').slice(-20).join('\n');
          throw new ReplayError(`${where}: RUN ${i.text} failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail}`);
        }
        result.steps.push(`RUN ${i.text} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        break;
      }
      case 'ADD':
        throw new ReplayError(`${where}: ADD is not replayed; use COPY`);
      case 'SHELL':
      case 'ONBUILD':
        throw new ReplayError(`${where}: ${i.keyword} is not replayed`);
      default:
        // LABEL, USER, EXPOSE, VOLUME, HEALTHCHECK, STOPSIGNAL, CMD, ENTRYPOINT: metadata.
        break;
    }
  }
  return result;
}
