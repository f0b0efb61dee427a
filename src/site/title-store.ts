import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { writeFileAtomic } from '../chat/atomic-file.js';

export const TITLE_FILE = 'title.json';

interface TitleFile {
  title: string;
  /** The --title in force when this was saved: a different --title later wins over the saved one. */
  configTitle: string;
}

/**
 * The stream title set through the admin API, kept in the data dir so it
 * survives restarts. A title changed later in the config (--title, file or
 * environment) takes over again: the newest decision wins.
 */
export class TitleStore {
  readonly #path: string;
  readonly #configTitle: string;
  readonly #logger: Logger;

  constructor(dataDir: string, configTitle: string, logger: Logger) {
    this.#path = join(dataDir, TITLE_FILE);
    this.#configTitle = configTitle;
    this.#logger = logger;
  }

  /** The title to start with. */
  async load(): Promise<string> {
    try {
      const data = JSON.parse(await readFile(this.#path, 'utf8')) as Partial<TitleFile>;
      if (typeof data.title === 'string' && data.title.trim() !== '' && data.configTitle === this.#configTitle) return data.title;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn({ path: this.#path }, `ignoring unreadable ${this.#path}`);
    }
    return this.#configTitle;
  }

  async save(title: string): Promise<void> {
    await writeFileAtomic(this.#path, `${JSON.stringify({ title, configTitle: this.#configTitle } satisfies TitleFile)}\n`);
  }
}
