import { performance } from 'node:perf_hooks';

/**
 * Runs queued jobs a slice at a time: at most about `sliceMs` of them per
 * turn of the event loop, then it yields (setImmediate), so that the
 * sockets are read, and their frames stamped, between slices. A burst of
 * jobs (thousands of WebSocket upgrades at once) then delays everyone a
 * little instead of stalling the process for seconds.
 */
export class SlicedQueue {
  readonly #sliceMs: number;
  readonly #now: () => number;
  #jobs: (() => void)[] = [];
  #next = 0;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(sliceMs = 8, now: () => number = () => performance.now()) {
    this.#sliceMs = sliceMs;
    this.#now = now;
  }

  get length(): number {
    return this.#jobs.length - this.#next;
  }

  push(job: () => void): void {
    this.#jobs.push(job);
    this.#scheduled ??= setImmediate(() => this.#run());
  }

  /** Drops the jobs not run yet. */
  clear(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#jobs = [];
    this.#next = 0;
  }

  #run(): void {
    this.#scheduled = undefined;
    const end = this.#now() + this.#sliceMs;
    do {
      const job = this.#jobs[this.#next++] as () => void;
      try {
        job();
      } catch {
        // A job handles its own errors; one that throws must not stop the others.
      }
    } while (this.#next < this.#jobs.length && this.#now() < end);
    if (this.#next < this.#jobs.length) {
      if (this.#next > 1024) {
        this.#jobs = this.#jobs.slice(this.#next);
        this.#next = 0;
      }
      this.#scheduled = setImmediate(() => this.#run());
    } else {
      this.#jobs = [];
      this.#next = 0;
    }
  }
}
