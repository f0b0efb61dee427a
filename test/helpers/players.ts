import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openPage } from './browser.js';
import type { BrowserPlayer, PlayerSample, PlayerSite } from './player-site.js';

/** One look at a player: its sample, and when (ms). */
export type TimedSample = PlayerSample & { at: number };

/**
 * A stock web player on its page (test/helpers/player-site.ts), looked at
 * every `intervalMs`: its samples, every request it made (URL, when), and
 * how many times the page was loaded (1: never reloaded).
 */
export class WatchedPlayer {
  readonly name: BrowserPlayer;
  readonly page: Page;
  readonly samples: TimedSample[] = [];
  readonly requests: Array<{ url: string; at: number }>;
  readonly errors: string[];
  readonly #context: BrowserContext;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;

  private constructor(name: BrowserPlayer, context: BrowserContext, page: Page, errors: string[], requests: Array<{ url: string; at: number }>) {
    this.name = name;
    this.#context = context;
    this.page = page;
    this.errors = errors;
    this.requests = requests;
  }

  /** Opens the player's page in a context of its own (a viewer of its own) and starts looking at it. */
  static async open(browser: Browser, site: PlayerSite, name: BrowserPlayer, src: string, intervalMs = 200): Promise<WatchedPlayer> {
    const context = await browser.newContext();
    const requests: Array<{ url: string; at: number }> = [];
    context.on('request', (r) => requests.push({ url: r.url(), at: Date.now() }));
    const { page, errors } = await openPage(context, site.url(name, src));
    const w = new WatchedPlayer(name, context, page, errors, requests);
    w.#timer = setInterval(() => {
      if (w.#busy) return;
      w.#busy = w.sample().finally(() => (w.#busy = undefined));
    }, intervalMs);
    return w;
  }

  async sample(): Promise<void> {
    try {
      const s = (await this.page.evaluate('window.__sample ? window.__sample() : null')) as PlayerSample | null;
      if (s) this.samples.push({ ...s, at: Date.now() });
    } catch {
      // the page is closing
    }
  }

  get latest(): TimedSample | undefined {
    return this.samples.at(-1);
  }

  /** Stops looking (the page stays open). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#busy;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#context.close().catch(() => undefined);
  }

  /** How many times the page was loaded, as its samples tell (1: never reloaded). */
  get loads(): number {
    return new Set(this.samples.map((s) => s.timeOrigin)).size;
  }

  /** The segment URIs it requested from sharecast, with when. */
  segmentRequests(): Array<{ uri: string; at: number }> {
    return this.requests.filter((r) => /\/hls\/[^/]+\/[^/?]+\.(ts|m4s|mp4)(\?|$)/.test(r.url)).map((r) => ({ uri: r.url.split('?')[0]?.split('/').at(-1) ?? '', at: r.at }));
  }
}

/** What the samples say about playback between two moments. */
export interface PlaybackSummary {
  /** The longest run of samples in which currentTime did not move (ms). */
  longestStallMs: number;
  /** currentTime went backwards by more than 0.1 s (a player that started over). */
  wentBack: Array<{ at: number; from: number; to: number }>;
  /** Any sample ended, or any fatal error. */
  ended: boolean;
  fatal: string[];
  advanced: number;
}

export function summarize(samples: TimedSample[], from = 0, to = Number.POSITIVE_INFINITY): PlaybackSummary {
  const within = samples.filter((s) => s.at >= from && s.at <= to);
  let longestStallMs = 0;
  let stillSince: TimedSample | undefined;
  const wentBack: PlaybackSummary['wentBack'] = [];
  for (const [i, s] of within.entries()) {
    const prev = within[i - 1];
    if (prev && s.currentTime < prev.currentTime - 0.1) wentBack.push({ at: s.at, from: prev.currentTime, to: s.currentTime });
    if (prev && Math.abs(s.currentTime - prev.currentTime) < 1e-3) {
      stillSince ??= prev;
      longestStallMs = Math.max(longestStallMs, s.at - stillSince.at);
    } else stillSince = undefined;
  }
  const first = within[0];
  const last = within.at(-1);
  return {
    longestStallMs,
    wentBack,
    ended: within.some((s) => s.ended),
    fatal: [...new Set(within.flatMap((s) => s.fatal))],
    advanced: first && last ? last.currentTime - first.currentTime : 0,
  };
}

/** The first sample at or after `from` that shows `frame`. */
export function firstShowing(samples: TimedSample[], frame: PlayerSample['frame'], from: number): TimedSample | undefined {
  return samples.find((s) => s.at >= from && s.frame === frame);
}
