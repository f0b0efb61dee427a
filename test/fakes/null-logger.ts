import { createLogger, type Logger } from '../../src/log/logger.js';

/** A logger that writes nothing: for tests that do not look at the log. */
export const nullLogger: Logger = createLogger({ level: 'silent' });
