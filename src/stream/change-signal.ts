/**
 * Wakes whoever waits for the next change of what a stream serves (a new
 * playlist version, a new part): a held blocking-reload request or preload
 * hint. Waiting costs no I/O and no polling; one change wakes every waiter
 * once, and each re-checks what it waits for against the one rendered
 * playlist.
 */
export class ChangeSignal {
  #waiters = new Set<() => void>();

  /** Calls `wake` once, at the next change. Returns a cancel function. */
  wait(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  notify(): void {
    if (this.#waiters.size === 0) return;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) {
      try {
        wake();
      } catch {
        // One waiter's failure (a socket that broke) must not keep the others waiting.
      }
    }
  }

  get waiting(): number {
    return this.#waiters.size;
  }
}
