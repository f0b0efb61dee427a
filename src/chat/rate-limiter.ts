import { LRUCache } from 'lru-cache';

export interface RateLimitOptions {
  /** At most this many actions at once… */
  limit: number;
  /** …and `limit` per this many ms on average… */
  windowMs: number;
  /** …else the user is blocked this long (ms). */
  blockMs: number;
  /** Users remembered at most (a blocked user reconnecting stays blocked). */
  maxUsers?: number;
  now?: () => number;
}

interface State {
  /** Actions the user may take right now (a bucket of `limit`, refilled at `limit` per `windowMs`). */
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
  blockedUntil: number;
}

/**
 * Per-user limit with a penalty block, after Owncast's: 3 messages at once
 * and 3 per 2 s on average are fine; one more blocks the user for 10 s.
 * Keyed by user id, so several tabs share one budget and reconnecting does
 * not reset it.
 *
 * It is a token bucket rather than a strict "3 in any 2 s" window, and it
 * counts actions when their frames arrived: a user writing at a steady pace
 * stays within it even when a busy moment delivers their frames bunched
 * together, while a burst or a sustained flood is still blocked.
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
    const { limit, windowMs, blockMs } = this.#o;
    const clock = this.#o.now();
    const now = Math.min(at ?? clock, clock);
    let s = this.#users.get(key);
    if (!s) s = { tokens: limit, at: now, blockedUntil: 0 };
    if (now < s.blockedUntil) return s.blockedUntil - clock;
    // Frames from several tabs may be handled slightly out of arrival order: never refill backwards.
    if (now > s.at) {
      s.tokens = Math.min(limit, s.tokens + ((now - s.at) * limit) / windowMs);
      s.at = now;
    }
    if (s.tokens < 1) {
      s.blockedUntil = now + blockMs;
      s.tokens = limit;
      s.at = s.blockedUntil;
      this.#users.set(key, s);
      return s.blockedUntil - clock;
    }
    s.tokens -= 1;
    this.#users.set(key, s);
    return 0;
  }
}
