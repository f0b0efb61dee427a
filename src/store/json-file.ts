import type { Logger } from '../log/logger.js';
import type { DataFile } from './data-dir.js';

/**
 * A small JSON file holding some state (bans, names, switches). Reads
 * tolerate a missing or broken file (with a warning); writes are atomic and
 * serialised: a save while one is running is folded into one more write.
 */
export class JsonFile<T> {
  readonly #file: DataFile;
  readonly #logger: Logger;
  #writing: Promise<void> | undefined;
  /** True while the write loop runs (set and cleared synchronously, so no save is missed). */
  #running = false;
  #again = false;
  #latest: (() => T) | undefined;

  constructor(file: DataFile, logger: Logger) {
    this.#file = file;
    this.#logger = logger;
  }

  get path(): string {
    return this.#file.path;
  }

  /** The parsed content, or undefined when missing or unreadable. */
  async load(): Promise<unknown> {
    let text: string | undefined;
    try {
      text = await this.#file.readText();
    } catch (err) {
      this.#logger.warn({ err, path: this.path }, `cannot read ${this.path}; starting empty`);
      return undefined;
    }
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      this.#logger.warn({ path: this.path }, `${this.path} is not valid JSON; starting empty`);
      return undefined;
    }
  }

  /** Writes what `state()` returns when the write starts; resolves when it is on disk. */
  save(state: () => T): Promise<void> {
    this.#latest = state;
    if (this.#running && this.#writing) {
      this.#again = true;
      return this.#writing;
    }
    this.#running = true;
    this.#writing = this.#loop();
    return this.#writing;
  }

  async #loop(): Promise<void> {
    // The flag is cleared in the same synchronous step that sees no new save, so no save is missed.
    try {
      do {
        this.#again = false;
        const state = this.#latest as () => T;
        try {
          await this.#file.write(`${JSON.stringify(state(), null, 1)}\n`);
        } catch (err) {
          this.#logger.error({ err, path: this.path }, `cannot write ${this.path}`);
          throw err;
        }
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }

  /** Resolves when no write is running. */
  async flush(): Promise<void> {
    while (this.#running && this.#writing) await this.#writing.catch(() => {});
  }
}
