import type { Logger } from '../log/logger.js';
import type { DataDir } from '../store/data-dir.js';

/** What a stream must remember across restarts of sharecast so its sequence numbers never go back. */
export interface SavedSequence {
  /** Media sequence number the next segment gets. */
  nextMsn: number;
  discontinuitySequence: number;
}

/** How many media sequence numbers one write reserves ahead (about a minute of 2 s segments). */
export const MSN_RESERVATION = 32;

/**
 * Keeps each stream's sequence numbers in the data dir (streams/NAME.json),
 * so a restarted sharecast continues the media sequence instead of starting
 * again at 0.
 *
 * What is stored is a reservation: a media sequence number up to
 * MSN_RESERVATION ahead of the live one, written (atomically, fsync'd)
 * before the live sequence reaches it. A restart after a crash or a power
 * cut continues from the reservation, so the sequence never goes back, and
 * the disk sees one small synchronous write per MSN_RESERVATION segments
 * instead of one per segment. The cost is a forward jump of at most
 * MSN_RESERVATION after a restart, which comes with a discontinuity anyway.
 */
export class SequenceStore {
  readonly #dataDir: DataDir;
  readonly #log: Logger;
  readonly #reserved = new Map<string, SavedSequence>();

  constructor(dataDir: DataDir, logger: Logger) {
    this.#dataDir = dataDir;
    this.#log = logger;
  }

  load(stream: string): SavedSequence | undefined {
    let text: string | undefined;
    try {
      text = this.#dataDir.streamState(stream).readTextSync();
    } catch (err) {
      this.#log.warn({ stream, err: (err as Error).message }, 'cannot read saved sequence numbers; starting from 0');
      return undefined;
    }
    if (text === undefined) return undefined;
    let v: Partial<SavedSequence> | undefined;
    try {
      v = JSON.parse(text) as Partial<SavedSequence>;
    } catch {
      v = undefined;
    }
    if (Number.isSafeInteger(v?.nextMsn) && Number.isSafeInteger(v?.discontinuitySequence) && (v?.nextMsn as number) >= 0 && (v?.discontinuitySequence as number) >= 0) {
      const saved = { nextMsn: v?.nextMsn as number, discontinuitySequence: v?.discontinuitySequence as number };
      this.#reserved.set(stream, saved);
      return saved;
    }
    this.#log.warn({ stream }, 'saved sequence numbers are malformed; starting from 0');
    return undefined;
  }

  /** Records that the stream reached `seq`: writes a new reservation when `seq` passes the one on disk. */
  save(stream: string, seq: SavedSequence): void {
    const held = this.#reserved.get(stream);
    if (held && seq.nextMsn <= held.nextMsn && seq.discontinuitySequence <= held.discontinuitySequence) return;
    const next: SavedSequence = {
      nextMsn: Math.max(seq.nextMsn + MSN_RESERVATION, held?.nextMsn ?? 0),
      discontinuitySequence: Math.max(seq.discontinuitySequence, held?.discontinuitySequence ?? 0),
    };
    try {
      this.#dataDir.streamState(stream).writeSync(`${JSON.stringify(next)}\n`);
      this.#reserved.set(stream, next);
    } catch (err) {
      this.#log.warn({ stream, err: (err as Error).message }, 'cannot save sequence numbers');
    }
  }
}
