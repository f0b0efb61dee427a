/**
 * What the streamer can change while running (the title now; the offline
 * image and chat switches with the admin API). Plain state with change
 * notifications; persistence belongs to whoever owns the data dir.
 */
export interface SiteInfo {
  title: string;
}

export type SiteListener = (info: SiteInfo) => void;

export class SiteSettings {
  #info: SiteInfo;
  readonly #listeners = new Set<SiteListener>();

  constructor(initial: SiteInfo) {
    this.#info = { ...initial };
  }

  get info(): SiteInfo {
    return this.#info;
  }

  update(patch: Partial<SiteInfo>): SiteInfo {
    this.#info = { ...this.#info, ...patch };
    for (const l of this.#listeners) l(this.#info);
    return this.#info;
  }

  subscribe(listener: SiteListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
