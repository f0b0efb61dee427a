import { z } from 'zod';
import type { LogLevel } from '../log/logger.js';

/** Validators for each option's raw value (a string from env or flags, or a typed value from the file). */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

const LISTEN_EXPECTED = 'expected HOST:PORT, e.g. 0.0.0.0:8080, [::]:8080 or 127.0.0.1:0 (port 0-65535)';

export const listenSchema = z
  .string({ error: LISTEN_EXPECTED })
  .transform((s, ctx) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(s.trim());
    const port = m ? Number(m[3]) : NaN;
    if (!m || !(port >= 0 && port <= 65535)) {
      ctx.addIssue({ code: 'custom', message: LISTEN_EXPECTED });
      return z.NEVER;
    }
    const host = m[1] ?? m[2] ?? '';
    return { host: host === '' ? '0.0.0.0' : host, port };
  });

const SIZE_EXPECTED = 'expected a size from 1MiB to 64GiB, e.g. 160MiB, 512MB or 1GiB';

export const sizeSchema = z.union([z.number(), z.string()], { error: SIZE_EXPECTED }).transform((v, ctx) => {
  const m = typeof v === 'number' ? [String(v), String(v), ''] : /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 * 1024 || bytes > 64 * 1024 ** 3) {
    ctx.addIssue({ code: 'custom', message: SIZE_EXPECTED });
    return z.NEVER;
  }
  return bytes;
});

function numberIn(min: number, max: number, what: string) {
  const expected = `expected ${what} from ${min} to ${max}`;
  return z.union([z.number(), z.string()], { error: expected }).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return n;
  });
}

export const booleanSchema = z.union([z.boolean(), z.string()], { error: 'expected true or false' }).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

/** A stream key: URL-safe (unreserved characters), so it goes into a path or user info as it is. */
export const PUSH_KEY_PATTERN = /^[A-Za-z0-9._~-]{16,128}$/;
const PUSH_KEY_EXPECTED = 'expected KEY or NAME=KEY,NAME=KEY (a mapping of stream name to key in the config file), each key 16-128 characters of A-Z a-z 0-9 . _ ~ -';

/** The keys as given: one for every push stream (`all`), and one per stream name. Never shown in a message. */
export interface PushKeys {
  all: string | undefined;
  perStream: Record<string, string>;
}

export const pushKeySchema = z.union([z.string(), z.record(z.string(), z.string())], { error: PUSH_KEY_EXPECTED }).transform((v, ctx): PushKeys => {
  const out: PushKeys = { all: undefined, perStream: {} };
  const entries: Array<[string | undefined, string]> =
    typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [undefined, s])) : Object.entries(v);
  for (const [name, key] of entries) {
    const bad = !PUSH_KEY_PATTERN.test(key) || (name !== undefined && !/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name)) || (name === undefined ? out.all !== undefined : name in out.perStream);
    if (bad) {
      ctx.addIssue({ code: 'custom', message: PUSH_KEY_EXPECTED });
      return z.NEVER;
    }
    if (name === undefined) out.all = key;
    else out.perStream[name] = key;
  }
  return out;
});

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, `expected ${what}`);

export const OPTION_SCHEMAS = {
  sources: z.array(z.string({ error: 'expected a list of [NAME=]URI strings' }), { error: 'expected a list of [NAME=]URI strings' }),
  listen: listenSchema,
  data: nonEmpty('a folder path'),
  config: nonEmpty('a file path').optional(),
  title: z.string({ error: 'expected text' }).trim().min(1, 'expected 1-120 characters').max(120, 'expected 1-120 characters'),
  streamerName: z.string({ error: 'expected a name' }).trim().min(1, 'expected 1-30 characters').max(30, 'expected 1-30 characters').optional(),
  offlineImage: nonEmpty('an image file path').optional(),
  poll: booleanSchema,
  pollInterval: numberIn(50, 10_000, 'milliseconds'),
  windowSeconds: numberIn(2, 600, 'seconds'),
  offlineAfter: numberIn(1, 3600, 'seconds'),
  offlineSlate: booleanSchema,
  endAfter: numberIn(60, 86_400, 'seconds'),
  lowLatency: booleanSchema,
  cacheSize: sizeSchema,
  web: nonEmpty('a folder path').optional(),
  adminToken: z.string({ error: 'expected a token' }).min(16, 'expected at least 16 characters').max(256, 'expected at most 256 characters').optional(),
  smbPassword: z.string({ error: 'expected a password' }).optional(),
  pushKey: pushKeySchema.optional(),
  trustProxy: booleanSchema,
  pushMaxFile: sizeSchema,
  pushMemory: sizeSchema,
  workers: numberIn(0, 32, 'a number of processes').pipe(z.number().int('expected a whole number of processes')),
  logLevel: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
} satisfies Record<string, z.ZodType>;

export type LogLevelValue = LogLevel;
