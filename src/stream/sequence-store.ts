import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';

/** What a stream must remember across restarts of sharecast so its sequence numbers never go back. */
export interface SavedSequence {
  /** Media sequence number the next segment gets. */
  nextMsn: number;
  discontinuitySequence: number;
}

/**
 * Keeps each stream's sequence numbers in the data dir (streams/NAME.json),
 * written atomically (temp file + rename), so a restarted sharecast continues
 * the media sequence instead of starting again at 0.
 */
export class SequenceStore {
  readonly #dir: string;
  readonly #log: Logger;

  constructor(dataDir: string, logger: Logger) {
    this.#dir = join(dataDir, 'streams');
    this.#log = logger;
  }

  load(stream: string): SavedSequence | undefined {
    try {
      const v = JSON.parse(readFileSync(join(this.#dir, `${stream}.json`), 'utf8')) as Partial<SavedSequence>;
      if (Number.isSafeInteger(v.nextMsn) && Number.isSafeInteger(v.discontinuitySequence) && (v.nextMsn as number) >= 0 && (v.discontinuitySequence as number) >= 0) {
        return { nextMsn: v.nextMsn as number, discontinuitySequence: v.discontinuitySequence as number };
      }
      this.#log.warn({ stream }, 'saved sequence numbers are malformed; starting from 0');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn({ stream, err: (err as Error).message }, 'cannot read saved sequence numbers; starting from 0');
    }
    return undefined;
  }

  save(stream: string, seq: SavedSequence): void {
    try {
      mkdirSync(this.#dir, { recursive: true });
      const file = join(this.#dir, `${stream}.json`);
      writeFileSync(`${file}.tmp`, `${JSON.stringify(seq)}\n`);
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      this.#log.warn({ stream, err: (err as Error).message }, 'cannot save sequence numbers');
    }
  }
}
