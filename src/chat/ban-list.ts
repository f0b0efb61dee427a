import { isIP } from 'node:net';
import type { JsonFile } from '../store/json-file.js';

interface BanEntry {
  userId: string;
  ips: string[];
  at: string;
}

interface BanFile {
  bans: BanEntry[];
}

/**
 * Banned users and the addresses they used, persisted in the data dir so a
 * ban holds across restarts. Addresses in SHARED_ADDRESSES are never banned:
 * behind a reverse proxy on the same machine every viewer comes from there.
 */
export class BanList {
  readonly #file: JsonFile<BanFile>;
  readonly #byUser = new Map<string, BanEntry>();
  readonly #byIp = new Map<string, string>();

  constructor(file: JsonFile<BanFile>) {
    this.#file = file;
  }

  async load(): Promise<void> {
    const data = (await this.#file.load()) as Partial<BanFile> | undefined;
    for (const b of Array.isArray(data?.bans) ? data.bans : []) {
      if (typeof b?.userId !== 'string') continue;
      this.#add({ userId: b.userId, ips: Array.isArray(b.ips) ? b.ips.filter((ip) => typeof ip === 'string' && isIP(ip) !== 0) : [], at: typeof b.at === 'string' ? b.at : new Date().toISOString() });
    }
  }

  /** The reason a connection is refused, or undefined. */
  isBanned(userId: string | undefined, ip: string): boolean {
    return (userId !== undefined && this.#byUser.has(userId)) || this.#byIp.has(normalizeIp(ip));
  }

  has(userId: string): boolean {
    return this.#byUser.has(userId);
  }

  /** Bans a user and the addresses given (except shared ones). Resolves when persisted. */
  async ban(userId: string, ips: Iterable<string>): Promise<void> {
    const prev = this.#byUser.get(userId);
    const all = new Set(prev?.ips ?? []);
    for (const ip of ips) {
      const n = normalizeIp(ip);
      if (isIP(n) !== 0 && !SHARED_ADDRESSES.has(n)) all.add(n);
    }
    this.#add({ userId, ips: [...all], at: prev?.at ?? new Date().toISOString() });
    await this.#save();
  }

  /** Lifts a ban; false when the user was not banned. Resolves when persisted. */
  async unban(userId: string): Promise<boolean> {
    const entry = this.#byUser.get(userId);
    if (!entry) return false;
    this.#byUser.delete(userId);
    for (const ip of entry.ips) if (this.#byIp.get(ip) === userId) this.#byIp.delete(ip);
    await this.#save();
    return true;
  }

  list(): BanEntry[] {
    return [...this.#byUser.values()];
  }

  #add(entry: BanEntry): void {
    this.#byUser.set(entry.userId, entry);
    for (const ip of entry.ips) this.#byIp.set(ip, entry.userId);
  }

  #save(): Promise<void> {
    return this.#file.save(() => ({ bans: this.list() }));
  }
}

/** Loopback addresses a local reverse proxy would use: never banned by address (the user id ban still holds). */
const SHARED_ADDRESSES = new Set(['127.0.0.1', '::1']);

/** ::ffff:1.2.3.4 is 1.2.3.4. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
