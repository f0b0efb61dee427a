import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { parse as ParseYaml } from 'yaml';
import { ErrorCode, SharecastError } from '../errors.js';
import type { Config } from './config.js';
import { OPTIONS, SMB_PASSWORD_ENV, envName, type OptionDef } from './options.js';
import { OPTION_SCHEMAS, type PushKeys } from './schema.js';
import { parseSourceSpec, redactSourceText, type SourceSpec } from './source-spec.js';

/** `warnings`: what main.ts logs once the logger is up (a secret given as a flag), never holding the secret. */
export type LoadResult = { kind: 'help' } | { kind: 'version' } | { kind: 'config'; config: Config; warnings: string[] };

export interface LoadInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Reads the config file; tests can pass their own. */
  readFile?: (path: string) => string;
}

type Origin = 'default' | 'file' | 'env' | 'flag';
interface Raw {
  value: unknown;
  origin: Origin;
}

/** Defaults, then the file, then the environment, then flags; then validate every key. */
export function loadConfig(input: LoadInput): LoadResult {
  const flags = parseFlags(input.argv);
  if (flags['help'] === true) return { kind: 'help' };
  if (flags['version'] === true) return { kind: 'version' };

  const raws = new Map<string, Raw>();
  for (const def of OPTIONS) {
    if (def.default !== undefined) raws.set(def.key, { value: def.default, origin: 'default' });
  }
  const envValues = new Map<string, unknown>();
  for (const def of OPTIONS) {
    const v = input.env[envName(def)];
    if (v !== undefined && v !== '') envValues.set(def.key, def.type === 'list' ? splitList(v) : v);
  }
  const flagValues = new Map<string, unknown>();
  for (const def of OPTIONS) {
    const v = flags[def.flag];
    if (v !== undefined) flagValues.set(def.key, v);
  }

  const configPath = (flagValues.get('config') ?? envValues.get('config')) as string | undefined;
  if (configPath !== undefined) {
    const path = resolve(input.cwd, configPath);
    for (const [key, value] of Object.entries(readConfigFile(path, input.readFile))) {
      raws.set(key, { value, origin: 'file' });
    }
    raws.set('config', { value: path, origin: flagValues.has('config') ? 'flag' : 'env' });
  }
  for (const [key, value] of envValues) raws.set(key, { value, origin: 'env' });
  for (const [key, value] of flagValues) raws.set(key, { value, origin: 'flag' });

  const v = <K extends keyof typeof OPTION_SCHEMAS>(key: K) => validate(key, raws.get(key));
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(input.cwd, p));

  const smbPassword = v('smbPassword');
  const sources = parseSources(v('sources'), raws.get('sources'), input.cwd, smbPassword);
  const config: Config = {
    sources,
    listen: v('listen'),
    data: abs(v('data')) ?? resolve(input.cwd, 'data'),
    config: abs(v('config')),
    title: v('title'),
    streamerName: v('streamerName'),
    offlineImage: abs(v('offlineImage')),
    poll: v('poll'),
    pollInterval: v('pollInterval'),
    windowSeconds: v('windowSeconds'),
    offlineAfter: v('offlineAfter'),
    cacheSize: v('cacheSize'),
    web: abs(v('web')),
    adminToken: v('adminToken'),
    offlineSlate: v('offlineSlate'),
    endAfter: v('endAfter'),
    lowLatency: v('lowLatency'),
    workers: v('workers'),
    logLevel: v('logLevel'),
    pushKey: checkPushKeys(v('pushKey'), sources),
    trustProxy: v('trustProxy'),
    pushMaxFile: v('pushMaxFile'),
    pushMemory: v('pushMemory'),
  };
  if (config.pushMemory < config.pushMaxFile) {
    throw new SharecastError(ErrorCode.ConfigInvalid, `pushMemory = ${config.pushMemory} bytes is less than pushMaxFile = ${config.pushMaxFile} bytes: a stream must hold at least one whole upload`);
  }
  return { kind: 'config', config, warnings: secretFlagWarnings(raws) };
}

/** Per-stream keys must name push sources (the message names the stream, never a key). */
function checkPushKeys(keys: PushKeys | undefined, sources: readonly SourceSpec[]): PushKeys | undefined {
  if (keys === undefined) return undefined;
  for (const name of Object.keys(keys.perStream)) {
    const spec = sources.find((s) => s.name === name);
    if (spec?.kind !== 'push') {
      throw new SharecastError(ErrorCode.ConfigInvalid, `pushKey: a key is given for stream "${name}", which is ${spec ? `a ${spec.kind} source, not a push source` : 'not a source'}; add --source ${name}=push or remove the key`);
    }
  }
  return keys;
}

/**
 * One line for each secret that came as a flag: the option and what to do
 * instead, never the value. (run() also hides the command line, but ps saw
 * it until then.)
 */
function secretFlagWarnings(raws: Map<string, Raw>): string[] {
  const warnings: string[] = [];
  for (const def of OPTIONS) {
    const raw = raws.get(def.key);
    if (raw?.origin !== 'flag') continue;
    if (def.secret) {
      warnings.push(`--${def.flag} was given on the command line, which other users of this machine can read (ps) until sharecast has hidden it; set ${envName(def)} instead`);
    } else if (def.carriesSmbPassword && Array.isArray(raw.value) && raw.value.some(hasSmbPassword)) {
      warnings.push(`an smb:// URI given as --${def.flag} carries a password, which other users of this machine can read (ps) until sharecast has hidden it; leave it out of the URI and set ${SMB_PASSWORD_ENV}`);
    }
  }
  return warnings;
}

function parseFlags(argv: readonly string[]): Record<string, unknown> {
  const options: NonNullable<ParseArgsConfig['options']> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const def of OPTIONS) {
    options[def.flag] = def.type === 'boolean' ? { type: 'boolean' } : def.type === 'list' ? { type: 'string', multiple: true } : { type: 'string' };
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, allowNegative: true } as ParseArgsConfig).values as Record<string, unknown>;
  } catch (err) {
    // One line, without node's hint about dashes, and without the password of an smb:// URI given as an argument.
    const text = err instanceof Error ? err.message : String(err);
    const msg = text.split('\n').filter((l) => !l.startsWith('To specify')).join(' ').replace(/\. To specify.*$/s, '');
    throw new SharecastError(ErrorCode.ConfigInvalid, `command line: ${redactSourceText(msg)} (see --help)`);
  }
}

/** Whether a source (already validated) is an smb:// URI with a password in it. */
function hasSmbPassword(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const spec = parseSourceSpec(text, '/');
  return spec.kind === 'smb' && spec.password !== '';
}

function splitList(v: string): string[] {
  return v.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '');
}

const KNOWN_KEYS = new Map(OPTIONS.map((d) => [d.key, d] as const));
const FILE_ALIASES: Record<string, string> = { source: 'sources', window: 'windowSeconds', pushKeys: 'pushKey' };

function readConfigFile(path: string, read?: (p: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = read ? read(path) : readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new SharecastError(ErrorCode.ConfigInvalid, `config = "${path}": cannot read the config file: ${why}`);
  }
  let doc: unknown;
  try {
    // yaml loads only when there is a config file to read (most runs have none: bench:memory).
    const parseYaml = (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse;
    doc = parseYaml(text);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new SharecastError(ErrorCode.ConfigInvalid, `config = "${path}": not valid YAML or JSON: ${first}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SharecastError(ErrorCode.ConfigInvalid, `config = "${path}": expected a mapping of keys to values at the top level`);
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(doc)) {
    const key = FILE_ALIASES[rawKey] ?? rawKey;
    if (!KNOWN_KEYS.has(key) || key === 'config') {
      throw new SharecastError(ErrorCode.ConfigInvalid, `${rawKey} (in ${path}): unknown key; known keys: ${OPTIONS.filter((d) => d.key !== 'config').map((d) => d.key).join(', ')}`);
    }
    out[key] = key === 'sources' && typeof value === 'string' ? [value] : value;
  }
  return out;
}

function originText(def: OptionDef, origin: Origin): string {
  switch (origin) {
    case 'flag':
      return `flag --${def.flag}`;
    case 'env':
      return `env ${envName(def)}`;
    case 'file':
      return 'config file';
    case 'default':
      return 'default';
  }
}

function shown(def: OptionDef, value: unknown): string {
  if (def.secret) return '[redacted]';
  const safe = def.carriesSmbPassword ? redactSources(value) : value;
  return JSON.stringify(safe) ?? String(safe);
}

/** Sources may carry smb:// passwords, also when they are the wrong type. */
function redactSources(value: unknown): unknown {
  if (typeof value === 'string') return redactSourceText(value);
  if (Array.isArray(value)) return value.map(redactSources);
  return value !== null && typeof value === 'object' ? '{…}' : value;
}

function validate<K extends keyof typeof OPTION_SCHEMAS>(key: K, raw: Raw | undefined): import('zod').output<(typeof OPTION_SCHEMAS)[K]> {
  const def = KNOWN_KEYS.get(key);
  if (!def) throw new Error(`no option ${key}`);
  const schema = OPTION_SCHEMAS[key];
  const result = schema.safeParse(raw?.value);
  if (result.success) return result.data as import('zod').output<(typeof OPTION_SCHEMAS)[K]>;
  const why = result.error.issues[0]?.message ?? 'invalid value';
  throw new SharecastError(ErrorCode.ConfigInvalid, `${key} = ${shown(def, raw?.value)} (${originText(def, raw?.origin ?? 'default')}): ${why}`);
}

function parseSources(list: string[], raw: Raw | undefined, cwd: string, smbPassword: string | undefined): SourceSpec[] {
  const def = KNOWN_KEYS.get('sources') as OptionDef;
  const specs: SourceSpec[] = [];
  for (const text of list.length === 0 ? ['demo'] : list) {
    let spec: SourceSpec;
    try {
      spec = parseSourceSpec(text, cwd);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const safe = redactSourceText(text);
      throw new SharecastError(ErrorCode.ConfigInvalid, `sources = ${JSON.stringify(safe)} (${originText(def, raw?.origin ?? 'default')}): ${why}`);
    }
    if (spec.kind === 'smb' && spec.password === '' && smbPassword !== undefined) spec = { ...spec, password: smbPassword };
    if (specs.some((s) => s.name === spec.name)) {
      throw new SharecastError(ErrorCode.ConfigInvalid, `sources: two sources are named "${spec.name}"; give each its own NAME= prefix`);
    }
    specs.push(spec);
  }
  return specs;
}
