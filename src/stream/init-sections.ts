import type { StoredBody } from './segment-store.js';

/** One init section (EXT-X-MAP) as published. */
export interface PublishedInit {
  name: string;
  body: StoredBody;
}

/**
 * Which public init section stands for which of OBS's init files. The key is
 * the OBS run (epoch) and the URI as OBS wrote it: after a restart, the same
 * file name holds other bytes, so it gets a new public name. Sections of
 * earlier runs are forgotten when a new run's first one is added.
 */
export class InitSections {
  readonly #byKey = new Map<string, PublishedInit>();

  find(epoch: number, uri: string): PublishedInit | undefined {
    return this.#byKey.get(`${epoch}\n${uri}`);
  }

  add(epoch: number, uri: string, init: PublishedInit): void {
    const prefix = `${epoch}\n`;
    for (const key of this.#byKey.keys()) if (!key.startsWith(prefix)) this.#byKey.delete(key);
    this.#byKey.set(`${prefix}${uri}`, init);
  }
}
