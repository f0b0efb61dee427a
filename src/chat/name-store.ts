import type { JsonFile } from '../store/json-file.js';

type NameFile = { names: Record<string, string> };

/**
 * Names viewers chose (a generated name needs no storing: it comes from the
 * id). Persisted so a returning viewer keeps their name across restarts;
 * bounded, forgetting the least recently renamed first.
 */
export class NameStore {
  readonly #file: JsonFile<NameFile>;
  readonly #max: number;
  readonly #names = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(file: JsonFile<NameFile>, max = 20_000) {
    this.#file = file;
    this.#max = max;
  }

  async load(): Promise<void> {
    const data = (await this.#file.load()) as Partial<NameFile> | undefined;
    const names = data?.names;
    if (typeof names !== 'object' || names === null) return;
    for (const [id, name] of Object.entries(names)) if (typeof name === 'string') this.#names.set(id, name);
  }

  get(userId: string): string | undefined {
    return this.#names.get(userId);
  }

  set(userId: string, name: string): void {
    this.#names.delete(userId);
    this.#names.set(userId, name);
    while (this.#names.size > this.#max) this.#names.delete(this.#names.keys().next().value as string);
    // Renames come in bursts; one write a second at most.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#file.save(() => ({ names: Object.fromEntries(this.#names) })).catch(() => {});
    }, 1000);
  }

  async close(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#file.save(() => ({ names: Object.fromEntries(this.#names) })).catch(() => {});
    }
    await this.#file.flush();
  }
}
