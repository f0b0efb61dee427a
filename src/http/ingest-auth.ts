import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';

/**
 * Who may push: the stream key (in the path, or as the password of Basic
 * auth), checked in constant time (admin-auth.ts), with a back-off per
 * client address after repeated wrong keys; and which address a request
 * comes from (X-Forwarded-For only with --trust-proxy).
 */

/** The password of `Authorization: Basic …` (the user name is ignored), or undefined. */
export function basicPassword(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * The client's address: the socket's, or with `trustProxy` the last entry of
 * X-Forwarded-For (the one the proxy in front of sharecast added; entries
 * before it are whatever the client claimed). An entry that is not an IP
 * address is ignored.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const socket = req.socket.remoteAddress ?? '';
  if (!trustProxy) return socket;
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header;
  const last = text?.split(',').pop()?.trim().replace(/^\[(.*)\]$/, '$1');
  return last !== undefined && isIP(last) !== 0 ? last : socket;
}

export interface BackoffOptions {
  /** Wrong keys allowed before the back-off starts. Default 5. */
  freeFailures?: number;
  /** The first wait; each further wrong key doubles it. Default 1000 ms. */
  firstMs?: number;
  /** The longest wait. Default 5 minutes. */
  maxMs?: number;
  /** An address whose last wrong key is older than this starts afresh. Default 15 minutes. */
  forgetMs?: number;
  /** Addresses remembered at most (least recently failing forgotten first). Default 10,000. */
  maxAddresses?: number;
}

interface Failures {
  count: number;
  last: number;
  blockedUntil: number;
}

/**
 * A back-off per client address for wrong stream keys: the first few are
 * answered 401 at once; after that the address must wait 1 s, 2 s, 4 s…
 * (up to 5 minutes) before its next try is even looked at. A right key
 * clears its record.
 */
export class AuthBackoff {
  readonly #o: Required<BackoffOptions>;
  readonly #failures: LRUCache<string, Failures>;

  constructor(o: BackoffOptions = {}) {
    this.#o = { freeFailures: 5, firstMs: 1000, maxMs: 300_000, forgetMs: 900_000, maxAddresses: 10_000, ...o };
    this.#failures = new LRUCache({ max: this.#o.maxAddresses });
  }

  /** How long `address` must still wait (ms), 0 when it may try. */
  waitFor(address: string, now: number): number {
    const f = this.#failures.get(address);
    return f ? Math.max(0, f.blockedUntil - now) : 0;
  }

  /** A wrong key from `address`: returns how long it must now wait (0 while it has free tries left). */
  failed(address: string, now: number): number {
    const prev = this.#failures.get(address);
    const count = prev && now - prev.last < this.#o.forgetMs ? prev.count + 1 : 1;
    const over = count - this.#o.freeFailures;
    const wait = over <= 0 ? 0 : Math.min(this.#o.maxMs, this.#o.firstMs * 2 ** Math.min(over - 1, 30));
    this.#failures.set(address, { count, last: now, blockedUntil: now + wait });
    return wait;
  }

  /** A right key from `address`. */
  succeeded(address: string): void {
    this.#failures.delete(address);
  }
}
