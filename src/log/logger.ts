import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
const SECRET_KEYS = ['password', 'pass', 'token', 'adminToken', 'secret', 'authorization', 'cookie'];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
]);

export interface LoggerSettings {
  level: LogLevel;
  /** Human-readable output; defaults to whether stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
}

/**
 * The root logger. Modules get a child with `logger.child({ module: 'x' })`,
 * passed to them explicitly by main.ts.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  const wantPretty = settings.pretty ?? (settings.destination === undefined && process.stdout.isTTY === true);
  if (wantPretty) {
    // Synchronous pretty stream: no worker thread, which matters on a 1 GB board.
    // Loaded only when used (a terminal): a service writing JSON never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;
    return pino(options, pretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
