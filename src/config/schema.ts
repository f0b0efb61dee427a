import type { LogLevel } from '../log/logger.js';

/**
 * Validators for each option's raw value (a string from env or flags, or a
 * typed value from the file). Plain functions rather than a schema library:
 * they run once at start, and zod alone was 850 KB of source held in memory
 * for the life of the process (bench:memory).
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };
export type Validator<T> = (value: unknown) => Checked<T>;
/** What a validator gives when the value is good. */
export type Output<V> = V extends Validator<infer T> ? T : never;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (message: string): Checked<never> => ({ ok: false, message });
const optional =
  <T>(v: Validator<T>): Validator<T | undefined> =>
  (x) =>
    x === undefined ? ok(undefined) : v(x);

/** A string, trimmed when asked, then of min..max characters. */
function text(o: { error: string; trim?: boolean; min?: [number, string]; max?: [number, string] }): Validator<string> {
  return (x) => {
    if (typeof x !== 'string') return fail(o.error);
    const s = o.trim ? x.trim() : x;
    if (o.min && s.length < o.min[0]) return fail(o.min[1]);
    if (o.max && s.length > o.max[0]) return fail(o.max[1]);
    return ok(s);
  };
}

/** A finite number or a string (anything else: `error`), then `then`. */
function numberOrString<T>(error: string, then: (v: number | string) => Checked<T>): Validator<T> {
  return (x) => ((typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string' ? then(x) : fail(error));
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

const LISTEN_EXPECTED = 'expected HOST:PORT, e.g. 0.0.0.0:8080, [::]:8080 or 127.0.0.1:0 (port 0-65535)';

export const listenSchema: Validator<{ host: string; port: number }> = (s) => {
  const m = typeof s === 'string' ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(s.trim()) : null;
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) return fail(LISTEN_EXPECTED);
  const host = m[1] ?? m[2] ?? '';
  return ok({ host: host === '' ? '0.0.0.0' : host, port });
};

const SIZE_EXPECTED = 'expected a size from 1MiB to 64GiB, e.g. 160MiB, 512MB or 1GiB';

export const sizeSchema: Validator<number> = numberOrString(SIZE_EXPECTED, (v) => {
  const m = typeof v === 'number' ? [String(v), String(v), ''] : /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 * 1024 || bytes > 64 * 1024 ** 3) return fail(SIZE_EXPECTED);
  return ok(bytes);
});

function numberIn(min: number, max: number, what: string, integer?: string): Validator<number> {
  const expected = `expected ${what} from ${min} to ${max}`;
  return numberOrString(expected, (v) => {
    const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n) || n < min || n > max) return fail(expected);
    if (integer !== undefined && !Number.isInteger(n)) return fail(integer);
    return ok(n);
  });
}

export const booleanSchema: Validator<boolean> = (v) => {
  if (typeof v === 'boolean') return ok(v);
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (s !== undefined && ['1', 'true', 'yes', 'on'].includes(s)) return ok(true);
  if (s !== undefined && ['0', 'false', 'no', 'off', ''].includes(s)) return ok(false);
  return fail('expected true or false');
};

/** A stream key: URL-safe (unreserved characters), so it goes into a path or user info as it is. */
export const PUSH_KEY_PATTERN = /^[A-Za-z0-9._~-]{16,128}$/;
const PUSH_KEY_EXPECTED = 'expected KEY or NAME=KEY,NAME=KEY (a mapping of stream name to key in the config file), each key 16-128 characters of A-Z a-z 0-9 . _ ~ -';

/** The keys as given: one for every push stream (`all`), and one per stream name. Never shown in a message. */
export interface PushKeys {
  all: string | undefined;
  perStream: Record<string, string>;
}

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

export const pushKeySchema: Validator<PushKeys> = (v) => {
  if (typeof v !== 'string' && !isStringRecord(v)) return fail(PUSH_KEY_EXPECTED);
  const out: PushKeys = { all: undefined, perStream: {} };
  const entries: Array<[string | undefined, string]> =
    typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [undefined, s])) : Object.entries(v);
  for (const [name, key] of entries) {
    const bad = !PUSH_KEY_PATTERN.test(key) || (name !== undefined && !/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name)) || (name === undefined ? out.all !== undefined : name in out.perStream);
    if (bad) return fail(PUSH_KEY_EXPECTED);
    if (name === undefined) out.all = key;
    else out.perStream[name] = key;
  }
  return ok(out);
};

const nonEmpty = (what: string) => text({ error: `expected ${what}`, trim: true, min: [1, `expected ${what}`] });
const SOURCES_EXPECTED = 'expected a list of [NAME=]URI strings';

export const OPTION_SCHEMAS = {
  sources: ((v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? ok(v as string[]) : fail(SOURCES_EXPECTED))) as Validator<string[]>,
  listen: listenSchema,
  data: nonEmpty('a folder path'),
  config: optional(nonEmpty('a file path')),
  title: text({ error: 'expected text', trim: true, min: [1, 'expected 1-120 characters'], max: [120, 'expected 1-120 characters'] }),
  streamerName: optional(text({ error: 'expected a name', trim: true, min: [1, 'expected 1-30 characters'], max: [30, 'expected 1-30 characters'] })),
  offlineImage: optional(nonEmpty('an image file path')),
  poll: booleanSchema,
  pollInterval: numberIn(50, 10_000, 'milliseconds'),
  windowSeconds: numberIn(2, 600, 'seconds'),
  offlineAfter: numberIn(1, 3600, 'seconds'),
  offlineSlate: booleanSchema,
  endAfter: numberIn(60, 86_400, 'seconds'),
  lowLatency: booleanSchema,
  cacheSize: sizeSchema,
  web: optional(nonEmpty('a folder path')),
  adminToken: optional(text({ error: 'expected a token', min: [16, 'expected at least 16 characters'], max: [256, 'expected at most 256 characters'] })),
  smbPassword: optional(text({ error: 'expected a password' })),
  pushKey: optional(pushKeySchema),
  trustProxy: booleanSchema,
  pushMaxFile: sizeSchema,
  pushMemory: sizeSchema,
  workers: numberIn(0, 32, 'a number of processes', 'expected a whole number of processes'),
  logLevel: ((v) => (typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v) ? ok(v as (typeof LOG_LEVELS)[number]) : fail(`expected one of ${LOG_LEVELS.join(', ')}`))) as Validator<(typeof LOG_LEVELS)[number]>,
} satisfies Record<string, Validator<unknown>>;

export type LogLevelValue = LogLevel;
