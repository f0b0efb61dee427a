/**
 * docker-bake.hcl read with @cdktf/hcl2json (HashiCorp's HCL parser built to
 * WASM), its targets resolved as `docker buildx bake` does for the parts this
 * project uses: `inherits` (the child wins, args merged) and "${NAME}"
 * variables (the environment overrides a variable's default). Then the
 * Node.js runtime each target's image runs, from its build arguments and
 * bin/node-lines.json. The lint test checks the targets with it; the ARM
 * smoke run takes the armv7-debian target's runtime from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import type { NodeLines } from '../../bin/node-support.js';

export type HclBlock = Record<string, unknown>;

export interface Bake {
  variable?: Record<string, HclBlock[]>;
  function?: Record<string, HclBlock[]>;
  group?: Record<string, Array<{ targets?: string[] }>>;
  target?: Record<string, HclBlock[]>;
}

export interface BakeTarget {
  name: string;
  /** Attributes as written, inherits applied (expressions left as strings). */
  raw: HclBlock;
  platforms: string[];
  /** Build arguments with "${VARIABLE}" values filled in. */
  args: Record<string, string>;
}

export async function loadBake(repo: string, file = 'docker-bake.hcl'): Promise<Bake> {
  return (await parseHcl(file, readFileSync(join(repo, file), 'utf8'))) as Bake;
}

/** A target's attributes with its inherits applied (child wins, args merged). */
export function inheritedBlock(bake: Bake, name: string, seen = new Set<string>()): HclBlock {
  if (seen.has(name)) throw new Error(`docker-bake.hcl: inherits loop at target "${name}"`);
  seen.add(name);
  const block = bake.target?.[name]?.[0];
  if (!block) throw new Error(`docker-bake.hcl has no target "${name}"`);
  let out: HclBlock = {};
  for (const parent of (block.inherits as string[] | undefined) ?? []) out = { ...out, ...inheritedBlock(bake, parent, seen) };
  const args = { ...((out.args as Record<string, string>) ?? {}), ...((block.args as Record<string, string>) ?? {}) };
  return { ...out, ...block, args };
}

/** A variable's value: from the environment, as bake takes it, else its default. */
export function variableValue(bake: Bake, name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const declared = bake.variable?.[name]?.[0];
  if (!declared) return undefined;
  return env[name] ?? (declared.default === undefined ? undefined : String(declared.default));
}

/** "${NAME}" -> the variable's value; anything else is returned as written. */
function interpolate(bake: Bake, value: string, env: NodeJS.ProcessEnv): string {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (!m) return value;
  const v = variableValue(bake, m[1] as string, env);
  if (v === undefined) throw new Error(`docker-bake.hcl: ${value} names no declared variable`);
  return v;
}

export function resolveTarget(bake: Bake, name: string, env: NodeJS.ProcessEnv = process.env): BakeTarget {
  const raw = inheritedBlock(bake, name);
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries((raw.args as Record<string, unknown>) ?? {})) args[k] = interpolate(bake, String(v), env);
  return { name, raw, platforms: (raw.platforms as string[] | undefined) ?? [], args };
}

/** The targets `docker buildx bake` builds by default. */
export function defaultTargets(bake: Bake): string[] {
  return [...(bake.group?.default?.[0]?.targets ?? [])];
}

export interface ImageRuntime {
  kind: 'node' | 'debian';
  /** Node.js major line the image runs. */
  line: number;
  /** The runtime's base image. */
  baseImage: string;
  /** Who gives it security fixes. */
  supportedBy: string;
  /** Last supported day (YYYY-MM-DD), from bin/node-lines.json; undefined when the table does not know it. */
  supportedUntil: string | undefined;
  /** Platforms the base image is published for, per the table. */
  platforms: string[];
  /** Debian suite, for kind "debian". */
  suite?: string;
}

/**
 * The runtime a target's image runs, from its build arguments (RUNTIME,
 * NODE_LINE, NODE_VARIANT, DEBIAN_SUITE) and `defaults`, the Dockerfile's own
 * ARG defaults for those it leaves out.
 */
export function imageRuntime(args: Record<string, string>, defaults: ReadonlyMap<string, string>, table: NodeLines): ImageRuntime {
  const arg = (name: string) => args[name] ?? defaults.get(name) ?? '';
  const line = Number(arg('NODE_LINE'));
  const kind = arg('RUNTIME');
  if (kind === 'debian') {
    const suite = arg('DEBIAN_SUITE');
    const release = table.debian[suite];
    return {
      kind,
      line,
      suite,
      baseImage: `debian:${suite}-slim`,
      supportedBy: release ? `Debian ${release.version} (${suite})` : `Debian ${suite}`,
      // Debian's support holds for the nodejs its release ships, not another line.
      supportedUntil: release && release.nodeLine === line ? release.securityUntil : undefined,
      platforms: release?.platforms ?? [],
    };
  }
  if (kind !== 'node') throw new Error(`RUNTIME=${kind}: the Dockerfile knows "node" and "debian"`);
  const variant = arg('NODE_VARIANT');
  const suite = variant.replace(/-slim$/, '');
  const nodeEol = table.nodeLines[String(line)]?.eol;
  const debianEnd = table.debian[suite]?.ltsUntil;
  // The image is supported while both the Node.js line and the Debian release under it are.
  const supportedUntil = nodeEol && debianEnd ? (nodeEol < debianEnd ? nodeEol : debianEnd) : undefined;
  return {
    kind,
    line,
    suite,
    baseImage: `node:${line}-${variant}`,
    supportedBy: 'the Node.js project',
    supportedUntil,
    platforms: table.nodeImages[String(line)]?.[variant] ?? [],
  };
}
