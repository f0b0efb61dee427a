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
  workers: numberIn(0, 32, 'a number of processes').pipe(z.number().int('expected a whole number of processes')),
  logLevel: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
} satisfies Record<string, z.ZodType>;

export type LogLevelValue = LogLevel;
