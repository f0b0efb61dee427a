import { SmbError } from './errors.js';

/**
 * SMB2 credits ([MS-SMB2] 3.2.4.1.5): what the server granted, handed out in
 * order to requests that wait for enough of them. A request that holds its
 * credits but is not registered yet counts as "reserved", so nobody concludes
 * that no answer (and no credit) is coming.
 */

interface Waiter {
  need: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class CreditPool {
  private credits = 1;
  private reserved = 0;
  private readonly waiters: Waiter[] = [];
  /** How many requests are registered and waiting for answers. */
  private readonly inFlight: () => number;

  constructor(inFlight: () => number) {
    this.inFlight = inFlight;
  }

  get available(): number {
    return this.credits;
  }

  /** Requests registered or about to be: answers (and credits) may still come. */
  private get busy(): boolean {
    return this.inFlight() > 0 || this.reserved > 0;
  }

  /** Takes `need` credits if there are enough and nobody is queued first; the caller then holds a reservation. */
  take(need: number): boolean {
    if (this.waiters.length > 0 || this.credits < need) return false;
    this.credits -= need;
    this.reserved++;
    return true;
  }

  /** Waits until answers return enough credits (and holds a reservation then); fails if none can come. */
  wait(need: number, signal?: AbortSignal): Promise<void> {
    if (!this.busy) return Promise.reject(this.starved(need));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new SmbError('aborted', 'request aborted'));
      };
      const waiter: Waiter = {
        need,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The reserved request is registered (or failed to be). */
  release(): void {
    this.reserved--;
    this.wake();
  }

  /** Credits granted in a response. */
  grant(n: number): void {
    this.credits += n;
  }

  /** Hands credits to waiters in order; fails the first one that can never be served. */
  wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as Waiter;
      if (this.credits >= w.need) {
        this.waiters.shift();
        this.credits -= w.need;
        this.reserved++;
        w.resolve();
        continue;
      }
      if (this.busy) return;
      this.waiters.shift();
      w.reject(this.starved(w.need));
    }
  }

  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private starved(need: number): SmbError {
    return new SmbError('protocol', `the server granted ${this.credits} credits; ${need} are needed`);
  }
}
