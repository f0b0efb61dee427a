import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../src/log/logger.js';

/** A logger whose lines are kept as pino writes them (synchronously: nothing to wait for before reading). */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level, destination, pretty: false }), text: () => chunks.join('') };
}
