import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startObs, type Obs, type ObsOptions } from './ffmpeg.js';
import { startRelay, type Relay } from './relay.js';
import { RelayWatcher } from './relay-watcher.js';
import { waitFor } from './wait.js';

/**
 * The offline-and-back cycle of issue 12, step by step, with the moments
 * that matter recorded: OBS (a real ffmpeg, hls muxer) writes into a folder,
 * sharecast relays it, a RelayWatcher checks every playlist version against
 * RFC 8216. OBS stops ("Stop Recording": ffmpeg writes ENDLIST), the relay
 * goes on with the offline slate, OBS starts again reusing names from 0, the
 * relay goes on with the real stream. The test puts its players in between.
 */
export interface CycleMoments {
  /** The live playlist's target duration (s). */
  td: number;
  /** The newest real segment before the stop, and when the watcher first saw it listed (ms). */
  lastRealMsn: number;
  lastRealListedAt: number;
  /** When ffmpeg had exited after the stop. */
  stoppedAt: number;
  /** The first slate segment (lastRealMsn + 1), when it was first seen listed. */
  slateListedAt: number;
  /** When ffmpeg was started again. */
  restartedAt: number;
  /** The first real segment after the slate, its URI, when it was first seen listed. */
  firstBackMsn: number;
  firstBackUri: string;
  backListedAt: number;
}

export class SlateCycle {
  readonly dir: string;
  readonly relay: Relay;
  readonly watcher: RelayWatcher;
  readonly moments: Partial<CycleMoments> = {};
  readonly #obsOptions: ObsOptions;
  #obs: Obs | undefined;
  /** How many playlist versions the watcher had seen when OBS was stopped. */
  #versionsBeforeStop = 0;

  private constructor(dir: string, relay: Relay, obsOptions: ObsOptions) {
    this.dir = dir;
    this.relay = relay;
    this.watcher = new RelayWatcher(relay, 'live').start(100);
    this.#obsOptions = obsOptions;
  }

  /** sharecast on a fresh folder; `obs` options as OBS would be set up (default: TS, 1 s segments). */
  static async start(obs: Partial<ObsOptions> = {}, relayArgs: string[] = []): Promise<SlateCycle> {
    const dir = mkdtempSync(join(tmpdir(), 'sharecast-cycle-'));
    const relay = await startRelay(['--source', join(dir, 'stream.m3u8'), ...relayArgs]);
    return new SlateCycle(dir, relay, { dir, hlsTime: 1, listSize: 5, flags: ['delete_segments'], ...obs });
  }

  /** The relay's playlist URL, for a player. */
  get playlistUrl(): string {
    return `${this.relay.url}/hls/live/index.m3u8`;
  }

  /** Starts OBS and waits until the relay lists `segments` of it. */
  async goLive(segments = 3): Promise<void> {
    this.#obs = startObs(this.#obsOptions);
    await waitFor('the relay live', () => ((this.watcher.latest?.segments.length ?? 0) >= segments && !this.watcher.latest?.endList ? true : undefined), 40_000);
  }

  /** OBS stops cleanly (ffmpeg writes ENDLIST); waits until the relay lists the first slate segment (after a discontinuity). */
  async stopObs(): Promise<void> {
    this.#versionsBeforeStop ||= this.watcher.playlists.length;
    await this.#obs?.stop();
    this.moments.stoppedAt = Date.now();
    // The first slate segment follows a discontinuity, after the last of OBS's (which may still be read after ffmpeg exits).
    const newest = this.watcher.latest?.segments.at(-1)?.msn ?? -1;
    const slated = await waitFor('the first slate segment listed', () => this.watcher.latest?.segments.find((s) => s.msn > newest && s.discontinuity), 15_000, 50);
    const lastReal = this.watcher.playlists.flatMap((p) => p.segments).find((s) => s.msn === slated.msn - 1);
    if (!lastReal) throw new Error(`the last real segment (${slated.msn - 1}) was never seen listed`);
    Object.assign(this.moments, {
      td: this.watcher.latest?.targetDuration ?? 0,
      lastRealMsn: lastReal.msn,
      lastRealListedAt: this.#listedAt(lastReal.uri),
      slateListedAt: this.#listedAt(slated.uri),
    });
  }

  /** OBS starts again, reusing names from 0; waits until the relay lists its first segment (after a discontinuity). */
  async restartObs(): Promise<void> {
    this.#obs = startObs(this.#obsOptions);
    this.moments.restartedAt = Date.now();
    const first = this.moments.lastRealMsn ?? 0;
    const back = await waitFor('the first real segment after the slate', () => this.watcher.latest?.segments.find((s) => s.msn > first + 1 && s.discontinuity), 40_000, 50);
    Object.assign(this.moments, { firstBackMsn: back.msn, firstBackUri: back.uri, backListedAt: this.#listedAt(back.uri) });
  }

  /**
   * The watcher's RFC 8216 findings (RelayWatcher.sequenceProblems), split
   * at the first stop: `cycle` holds those from the stop on, and every
   * finding across versions; `startup` those of the versions before, while
   * OBS was starting and the test was bringing its players up (on a loaded
   * machine ffmpeg can write a segment late then; test/integration/stream
   * holds that phase to the rules without the load).
   */
  problems(): { cycle: string[]; startup: string[] } {
    const split = { cycle: [] as string[], startup: [] as string[] };
    for (const p of this.watcher.sequenceProblems()) {
      const version = / version (\d+): /.exec(p)?.[1];
      (version !== undefined && Number(version) <= this.#versionsBeforeStop ? split.startup : split.cycle).push(p);
    }
    return split;
  }

  /** What a segment URI is: the real stream before the stop, the slate, the real stream after the restart (or unknown). */
  kindOf(uri: string): 'before' | 'slate' | 'after' | 'unknown' {
    const name = uri.split('?')[0]?.split('/').at(-1) ?? '';
    const m = this.moments;
    for (const pl of this.watcher.playlists) {
      const seg = pl.segments.find((s) => s.uri === name);
      if (!seg) continue;
      if (m.lastRealMsn === undefined || seg.msn <= m.lastRealMsn) return 'before';
      if (m.firstBackMsn === undefined || seg.msn < m.firstBackMsn) return 'slate';
      return 'after';
    }
    return 'unknown';
  }

  /** Every moment, once the cycle has gone round. */
  get done(): CycleMoments {
    const m = this.moments;
    for (const k of ['td', 'lastRealMsn', 'stoppedAt', 'slateListedAt', 'restartedAt', 'firstBackMsn', 'backListedAt'] as const) {
      if (m[k] === undefined) throw new Error(`the cycle did not get as far as ${k}`);
    }
    return m as CycleMoments;
  }

  /** When the watcher first fetched a segment: right after it first saw it listed (it polls every 100 ms). */
  #listedAt(uri: string): number {
    return this.watcher.statuses.find((s) => s.path === `/hls/live/${uri}`)?.at ?? Date.now();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.#obs?.kill();
    await this.relay.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A line for the report: how long each step took, in ms. */
export function describeMoments(m: CycleMoments): string {
  return [
    `TD ${m.td} s`,
    `slate listed ${m.slateListedAt - m.lastRealListedAt} ms after the last real segment (${m.slateListedAt - m.stoppedAt} ms after ffmpeg exited)`,
    `first real segment listed ${m.backListedAt - m.restartedAt} ms after ffmpeg restarted`,
  ].join('; ');
}
