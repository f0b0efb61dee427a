import type { Logger } from '../log/logger.js';
import type { DataFile } from '../store/data-dir.js';

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
  readonly #file: DataFile;
  readonly #configTitle: string;
  readonly #logger: Logger;

  /** `file` is the data dir's title.json. */
  constructor(file: DataFile, configTitle: string, logger: Logger) {
    this.#file = file;
    this.#configTitle = configTitle;
    this.#logger = logger;
  }

  /** The title to start with. */
  async load(): Promise<string> {
    try {
      const text = await this.#file.readText();
      if (text === undefined) return this.#configTitle;
      const data = JSON.parse(text) as Partial<TitleFile>;
      if (typeof data.title === 'string' && data.title.trim() !== '' && data.configTitle === this.#configTitle) return data.title;
    } catch {
      this.#logger.warn({ path: this.#file.path }, `ignoring unreadable ${this.#file.path}`);
    }
    return this.#configTitle;
  }

  async save(title: string): Promise<void> {
    await this.#file.write(`${JSON.stringify({ title, configTitle: this.#configTitle } satisfies TitleFile)}\n`);
  }
}
