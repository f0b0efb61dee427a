import type { Republisher, StreamEvent } from './republisher.js';

/** The streams this server relays, by name. The first one is the main stream shown on the page. */
export class StreamRegistry {
  readonly #streams = new Map<string, Republisher>();

  add(stream: Republisher): void {
    if (this.#streams.has(stream.name)) throw new Error(`stream ${stream.name} added twice`);
    this.#streams.set(stream.name, stream);
  }

  get(name: string): Republisher | undefined {
    return this.#streams.get(name);
  }

  get main(): Republisher | undefined {
    return this.#streams.values().next().value;
  }

  all(): Republisher[] {
    return [...this.#streams.values()];
  }

  /** Online/offline events of every stream. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    const offs = this.all().map((s) => s.subscribe(listener));
    return () => offs.forEach((off) => off());
  }
}
