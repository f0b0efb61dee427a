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

  /** Takes one action for the user: 0 if allowed, else how many ms until they may try again. */
  take(key: string): number {
    const now = this.#o.now();
    let s = this.#users.get(key);
    if (!s) {
      s = { times: [], blockedUntil: 0 };
      this.#users.set(key, s);
    }
    if (now < s.blockedUntil) return s.blockedUntil - now;
    while (s.times.length > 0 && (s.times[0] as number) <= now - this.#o.windowMs) s.times.shift();
    if (s.times.length >= this.#o.limit) {
      s.blockedUntil = now + this.#o.blockMs;
      s.times = [];
      this.#users.set(key, s);
      return this.#o.blockMs;
    }
    s.times.push(now);
    this.#users.set(key, s);
    return 0;
  }
}
