import type { StreamEvent } from './republisher.js';
import type { Stream } from './stream.js';

/** The streams this server relays, by name. The first one is the main stream shown on the page. */
export class StreamRegistry {
  readonly #streams = new Map<string, Stream>();

  add(stream: Stream): void {
    if (this.#streams.has(stream.name)) throw new Error(`stream ${stream.name} added twice`);
    this.#streams.set(stream.name, stream);
  }

  get(name: string): Stream | undefined {
    return this.#streams.get(name);
  }

  get main(): Stream | undefined {
    return this.#streams.values().next().value;
  }

  all(): Stream[] {
    return [...this.#streams.values()];
  }

  /** Online/offline events of every stream. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    const offs = this.all().map((s) => s.subscribe(listener));
    return () => offs.forEach((off) => off());
  }
}
