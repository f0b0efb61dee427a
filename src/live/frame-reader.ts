/**
 * Reads one socket's frames within a budget, so that no client takes more
 * than its share of the event loop, whatever frame type it sends (chat,
 * ping, junk, binary, WebSocket control frames).
 *
 * Each frame is stamped with the time it arrived and costs one token of a
 * per-socket bucket (`burst` tokens, refilled at `perSecond`). With a token
 * it is handled at once. Without one it is held, the socket is paused (so
 * the kernel, then TCP, push back on the client) and the held frames are
 * handed on, with their arrival stamps, as tokens come back. A client with
 * more than `maxHeld` frames held is flooding: it is cut.
 */

export interface FrameBudget {
  /** Frames a client may send at once… */
  burst: number;
  /** …and per second after that. */
  perSecond: number;
  /** Frames held while over budget before the client is cut. */
  maxHeld: number;
}

/** Generous for a page (a ping every 4 s, at most 3 chat messages in 2 s), tiny for a flood. */
export const DEFAULT_FRAME_BUDGET: FrameBudget = { burst: 20, perSecond: 5, maxHeld: 20 };

export interface StampedFrame<T> {
  frame: T;
  /** When it arrived (ms, the reader's clock). */
  at: number;
}

export interface FrameReaderOptions<T> {
  budget: FrameBudget;
  /** Handles one frame; `at` is when it arrived, not when it is handled. */
  handle: (frame: T, at: number) => void;
  /** Stop reading from the socket / start again. */
  pause: () => void;
  resume: () => void;
  /** The client floods: close it. Called once; the reader drops everything after. */
  cut: () => void;
  now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export class FrameReader<T> {
  readonly #o: FrameReaderOptions<T>;
  readonly #now: () => number;
  readonly #schedule: NonNullable<FrameReaderOptions<T>['schedule']>;
  #tokens: number;
  #filledAt: number;
  readonly #held: StampedFrame<T>[] = [];
  #cancelTimer: (() => void) | undefined;
  #paused = false;
  #closed = false;

  constructor(o: FrameReaderOptions<T>) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#schedule = o.schedule ?? defaultSchedule;
    this.#tokens = o.budget.burst;
    this.#filledAt = this.#now();
  }

  /** Frames waiting for a token. */
  get held(): number {
    return this.#held.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A frame arrived now. */
  push(frame: T): void {
    if (this.#closed) return;
    const at = this.#now();
    if (this.#held.length === 0 && this.#take(at)) {
      this.#o.handle(frame, at);
      return;
    }
    if (this.#held.length >= this.#o.budget.maxHeld) {
      this.close();
      this.#o.cut();
      return;
    }
    this.#held.push({ frame, at });
    if (!this.#paused) {
      this.#paused = true;
      this.#o.pause();
    }
    this.#wait();
  }

  /** Stops: nothing is handled after this, and no timer is left. */
  close(): void {
    this.#closed = true;
    this.#held.length = 0;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #take(now: number): boolean {
    const { burst, perSecond } = this.#o.budget;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#filledAt) * perSecond) / 1000);
    this.#filledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #wait(): void {
    if (this.#cancelTimer) return;
    const ms = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#o.budget.perSecond));
    this.#cancelTimer = this.#schedule(() => {
      this.#cancelTimer = undefined;
      this.#drain();
    }, ms);
  }

  #drain(): void {
    while (!this.#closed && this.#held.length > 0 && this.#take(this.#now())) {
      const next = this.#held.shift() as StampedFrame<T>;
      this.#o.handle(next.frame, next.at);
    }
    if (this.#closed) return;
    if (this.#held.length > 0) {
      this.#wait();
      return;
    }
    this.#paused = false;
    this.#o.resume();
  }
}
