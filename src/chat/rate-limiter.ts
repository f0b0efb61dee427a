import { LRUCache } from 'lru-cache';

export interface RateLimitOptions {
  /** At most this many actions… */
  limit: number;
  /** …in this window (ms)… */
  windowMs: number;
  /** …else the user is blocked this long (ms). */
  blockMs: number;
  /** Users remembered at most (a blocked user reconnecting stays blocked). */
  maxUsers?: number;
  now?: () => number;
}

interface State {
  /** Times of the recent accepted actions, oldest first (at most `limit`). */
  times: number[];
  blockedUntil: number;
}

/**
 * Per-user sliding-window limit with a penalty block, as in Owncast: 3
 * messages in 2 s are fine, the 4th blocks the user for 10 s. Keyed by user
 * id, so several tabs share one budget and reconnecting does not reset it.
 */
export class RateLimiter {
  readonly #o: Required<RateLimitOptions>;
  readonly #users: LRUCache<string, State>;

  constructor(o: RateLimitOptions) {
    this.#o = { maxUsers: 50_000, now: Date.now, ...o };
    this.#users = new LRUCache({ max: this.#o.maxUsers, ttl: Math.max(o.windowMs, o.blockMs) * 2, ttlAutopurge: false });
  }

  /**
   * Takes one action for the user that happened at `at` (by default now): 0
   * if allowed, else how many ms until they may try again. Pass the time the
   * frame arrived, not the time it is handled: after a stall, frames that
   * arrived paced must not look like a burst.
   */
  take(key: string, at?: number): number {
    const clock = this.#o.now();
    const now = Math.min(at ?? clock, clock);
    let s = this.#users.get(key);
    if (!s) {
      s = { times: [], blockedUntil: 0 };
      this.#users.set(key, s);
    }
    if (now < s.blockedUntil) return s.blockedUntil - clock;
    // Actions inside the window around `now` (frames from several tabs may be handled out of arrival order).
    const inWindow = s.times.filter((t) => t > now - this.#o.windowMs && t < now + this.#o.windowMs);
    if (inWindow.length >= this.#o.limit) {
      s.blockedUntil = now + this.#o.blockMs;
      s.times = [];
      this.#users.set(key, s);
      return s.blockedUntil - clock;
    }
    s.times = [...inWindow.filter((t) => t > clock - 2 * this.#o.windowMs), now].sort((a, b) => a - b).slice(-this.#o.limit);
    this.#users.set(key, s);
    return 0;
  }
}
