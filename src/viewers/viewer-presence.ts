/**
 * Who is watching: viewers with the page open (one per chat user id, however
 * many tabs) and bare players (VLC, ffplay…) that only fetch the playlist,
 * known by IP + User-Agent and gone after `staleAfterMs` without a request.
 * A playlist request from the same IP + User-Agent as an open page is that
 * page's player, not another viewer.
 */

export interface ViewerEntry {
  id: string;
  /** The chat name; null for a bare player. */
  name: string | null;
  /** ISO 8601: when this viewer arrived. */
  since: string;
  /** True for viewers with the page (and chat) open, false for bare players. */
  chatting: boolean;
}

export interface ViewerPresenceOptions {
  /** A stable, non-revealing id for a bare player from its IP + User-Agent key. */
  playerId: (key: string) => string;
  staleAfterMs?: number;
  /** Bare players tracked at most (spoofed User-Agents cannot grow memory without bound). */
  maxPlayers?: number;
  now?: () => number;
}

interface PageViewer {
  id: string;
  name: string;
  since: number;
  sockets: number;
}

interface Player {
  id: string;
  since: number;
  lastSeen: number;
}

/** The key bare players and pages are matched by. */
export function presenceKey(ip: string, userAgent: string | undefined): string {
  const addr = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${addr}\n${userAgent ?? ''}`;
}

export class ViewerPresence {
  readonly #o: Required<ViewerPresenceOptions>;
  readonly #listeners = new Set<() => void>();
  readonly #pages = new Map<string, PageViewer>();
  /** Open page sockets per IP + User-Agent key. */
  readonly #pageKeys = new Map<string, number>();
  readonly #players = new Map<string, Player>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: ViewerPresenceOptions) {
    this.#o = { staleAfterMs: 15_000, maxPlayers: 10_000, now: Date.now, ...o };
  }

  /** Told when the count may have changed (cheap to call; listeners throttle). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }

  /** Sweeps stale bare players once a second. */
  start(): void {
    this.#timer ??= setInterval(() => this.sweep(), 1000);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A page socket opened for this chat user. */
  pageJoined(user: { id: string; name: string }, key: string): void {
    const p = this.#pages.get(user.id);
    if (p) p.sockets++;
    else this.#pages.set(user.id, { id: user.id, name: user.name, since: this.#o.now(), sockets: 1 });
    this.#pageKeys.set(key, (this.#pageKeys.get(key) ?? 0) + 1);
    this.#emit();
  }

  /** A page socket closed. */
  pageLeft(userId: string, key: string): void {
    const p = this.#pages.get(userId);
    if (p && --p.sockets <= 0) this.#pages.delete(userId);
    const n = (this.#pageKeys.get(key) ?? 1) - 1;
    if (n <= 0) {
      this.#pageKeys.delete(key);
      // Its playlist requests were the page's own: the viewer is gone, not a bare player now.
      this.#players.delete(key);
    } else this.#pageKeys.set(key, n);
    this.#emit();
  }

  pageRenamed(userId: string, name: string): void {
    const p = this.#pages.get(userId);
    if (p) p.name = name;
  }

  /** A playlist request: the hot path, a map lookup and at most one insert. */
  playlistRequest(key: string): void {
    const now = this.#o.now();
    const known = this.#players.get(key);
    if (known) {
      known.lastSeen = now;
      return;
    }
    if (this.#players.size >= this.#o.maxPlayers) {
      this.sweep();
      if (this.#players.size >= this.#o.maxPlayers) return;
    }
    this.#players.set(key, { id: this.#o.playerId(key), since: now, lastSeen: now });
    if (!this.#pageKeys.has(key)) this.#emit();
  }

  /** Forgets bare players not seen for `staleAfterMs`. */
  sweep(): void {
    const cutoff = this.#o.now() - this.#o.staleAfterMs;
    let changed = false;
    for (const [key, p] of this.#players) {
      if (p.lastSeen < cutoff) {
        this.#players.delete(key);
        if (!this.#pageKeys.has(key)) changed = true;
      }
    }
    if (changed) this.#emit();
  }

  /** Distinct viewers right now. */
  count(): number {
    const cutoff = this.#o.now() - this.#o.staleAfterMs;
    let n = this.#pages.size;
    for (const [key, p] of this.#players) if (p.lastSeen >= cutoff && !this.#pageKeys.has(key)) n++;
    return n;
  }

  /** Everyone, oldest first. */
  list(): ViewerEntry[] {
    const cutoff = this.#o.now() - this.#o.staleAfterMs;
    const out: (ViewerEntry & { t: number })[] = [];
    for (const p of this.#pages.values()) out.push({ id: p.id, name: p.name, since: new Date(p.since).toISOString(), chatting: true, t: p.since });
    for (const [key, p] of this.#players) {
      if (p.lastSeen >= cutoff && !this.#pageKeys.has(key)) out.push({ id: p.id, name: null, since: new Date(p.since).toISOString(), chatting: false, t: p.since });
    }
    out.sort((a, b) => a.t - b.t);
    return out.map(({ t: _t, ...v }) => v);
  }
}
