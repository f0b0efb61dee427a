/**
 * Dockerfile.armv7 read into stages and instructions, with build arguments and
 * ENV values expanded. Parsing is dockerfile-ast's (the parser behind Docker's
 * VS Code extension); this file only arranges its output so that the ARM smoke
 * run can replay the build stage and the lint test can check the stages.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export interface DockerInstruction {
  /** Upper-case keyword: COPY, RUN, ENV, ... */
  keyword: string;
  /** 1-based line in the Dockerfile. */
  line: number;
  /** --name=value flags (value '' for a bare --flag). */
  flags: Map<string, string>;
  /** Arguments after the flags, variables expanded (shell form split on blanks). */
  args: string[];
  /** The exec form's strings when the arguments are a JSON array, else undefined. */
  json: string[] | undefined;
  /** Everything after the flags, as written (variables not expanded). */
  text: string;
  /** ENV/ARG/LABEL name=value pairs, expanded. */
  pairs: Array<[string, string]>;
}

export interface DockerStage {
  index: number;
  /** The AS name, lower-cased as BuildKit compares it. */
  name: string | undefined;
  line: number;
  /** FROM image, build arguments expanded. */
  image: string;
  /** FROM --platform, build arguments expanded; $BUILDPLATFORM etc. stay as written unless given. */
  platform: string | undefined;
  /** The --platform flag as written. */
  platformText: string | undefined;
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  /** ARGs declared before the first FROM, with their defaults ('' when none). */
  globalArgs: Map<string, string>;
  stages: DockerStage[];
  /** Directives such as syntax=... */
  directives: Map<string, string>;
}

/** $NAME, ${NAME}, ${NAME:-default}, ${NAME:+alt}; unknown names stay as written. */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced, op, word, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars.get(name);
    if (op === '-') return value ? value : String(word);
    if (op === '+') return value ? String(word) : '';
    return value ?? whole;
  });
}

function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

function jsonForm(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) && parsed.every((s) => typeof s === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Text of the instruction after its flags. */
function textAfterFlags(instruction: Instruction, flagCount: number): string {
  let text = instruction.getArgumentsContent() ?? '';
  for (let i = 0; i < flagCount; i++) text = text.replace(/^\s*--\S+/, '');
  return text.trim();
}

function flagsOf(instruction: Instruction): Map<string, string> {
  const flags = new Map<string, string>();
  const getFlags = (instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }).getFlags;
  if (typeof getFlags === 'function') {
    for (const flag of getFlags.call(instruction)) flags.set(flag.getName(), flag.getValue() ?? '');
  }
  return flags;
}

/** "a b" or 'a b' as written in ENV/LABEL -> a b. */
function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    const inner = value.slice(1, -1);
    return value[0] === '"' ? inner.replace(/\\(["\\$])/g, '$1') : inner;
  }
  return value;
}

function pairsOf(instruction: Instruction, vars: ReadonlyMap<string, string>): Array<[string, string]> {
  const getProperties = (instruction as Instruction & { getProperties?: () => Array<{ getName(): string; getUnescapedValue(): string | null }> }).getProperties;
  if (typeof getProperties !== 'function') return [];
  return getProperties.call(instruction).map((p) => [p.getName(), expandVars(unquote(p.getUnescapedValue() ?? ''), vars)]);
}

/**
 * Parses a Dockerfile. `buildArgs` override ARG defaults (as --build-arg does);
 * BUILDPLATFORM/TARGETPLATFORM may be given there to expand FROM --platform.
 */
export function parseDockerfile(content: string, buildArgs: ReadonlyMap<string, string> = new Map()): DockerfileModel {
  const dockerfile = DockerfileParser.parse(content);
  const directives = new Map<string, string>();
  for (const d of dockerfile.getDirectives()) directives.set(d.getName(), d.getValue());

  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  let stage: DockerStage | undefined;
  // Variables visible to the instruction being read: global args in FROM lines,
  // the stage's ARGs and ENVs inside it.
  let scope = new Map<string, string>();
  const globalScope = new Map<string, string>();

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const flags = flagsOf(instruction);
    const text = textAfterFlags(instruction, flags.size);
    if (keyword === 'FROM') {
      const words = expandVars(text, globalScope).split(/\s+/).filter(Boolean);
      const asIndex = words.findIndex((w) => w.toLowerCase() === 'as');
      const platformText = flags.get('platform');
      stage = {
        index: stages.length,
        name: asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined,
        line: lineOf(instruction),
        image: words[0] ?? '',
        platform: platformText === undefined ? undefined : expandVars(platformText, globalScope),
        platformText,
        instructions: [],
      };
      stages.push(stage);
      scope = new Map();
      continue;
    }
    if (keyword === 'ARG') {
      for (const [name, value] of pairsOf(instruction, stage ? scope : globalScope)) {
        const given = buildArgs.get(name);
        if (!stage) {
          globalArgs.set(name, value);
          globalScope.set(name, given ?? value);
        } else {
          // An ARG inside a stage without a default takes the global one.
          scope.set(name, given ?? (value !== '' ? value : (globalScope.get(name) ?? '')));
        }
      }
      if (!stage) continue;
    }
    if (!stage) continue; // only ARG may precede the first FROM
    for (const [name, value] of buildArgs) {
      if (/^(BUILD|TARGET)(PLATFORM|OS|ARCH|VARIANT)$/.test(name) && !scope.has(name)) scope.set(name, value);
    }
    const pairs = keyword === 'ENV' || keyword === 'LABEL' || keyword === 'ARG' ? pairsOf(instruction, scope) : [];
    const json = jsonForm(keyword === 'HEALTHCHECK' ? text.replace(/^CMD\s+/i, '') : text);
    const args = json ?? expandVars(text, scope).split(/\s+/).filter(Boolean);
    stage.instructions.push({ keyword, line: lineOf(instruction), flags, args, json, text, pairs });
    if (keyword === 'ENV') for (const [name, value] of pairs) scope.set(name, value);
  }
  return { globalArgs, stages, directives };
}

/** The stage a COPY --from names: a stage name or index. */
export function findStage(model: DockerfileModel, ref: string): DockerStage | undefined {
  const byName = model.stages.find((s) => s.name === ref.toLowerCase());
  if (byName) return byName;
  return /^\d+$/.test(ref) ? model.stages[Number(ref)] : undefined;
}

/** ENV of a stage, in order, later values winning. */
export function stageEnv(stage: DockerStage): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of stage.instructions) if (i.keyword === 'ENV') for (const [k, v] of i.pairs) env.set(k, v);
  return env;
}

/** The last instruction with this keyword in the stage (CMD, HEALTHCHECK, USER, ...). */
export function lastInstruction(stage: DockerStage, keyword: string): DockerInstruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
