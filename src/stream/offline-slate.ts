import type { Logger } from '../log/logger.js';
import { probeInit, probeTs, type StreamShape } from '../media/stream-probe.js';
import type { StreamFiles } from './segment-store.js';
import { pickSlate, type Slate, type SlateClip } from './slate.js';
import { nextMsn, type Timeline } from './timeline.js';
import { type SlateSegment } from './timeline-slate.js';

export interface OfflineSlateOptions {
  files: StreamFiles;
  /** The slate to show (built-in, or made from the uploaded offline image); undefined: no slate (--no-offline-slate). */
  slate: () => Slate | undefined;
  logger: Logger;
}

/**
 * The offline slate of one media playlist: what the stream looks like (read
 * from its init section or a TS segment, so the slate can follow it after a
 * discontinuity), and the slate segments themselves, one clip repeated with
 * its timestamps moving on. Each run of slate (OBS away) gets its own public
 * names; an fMP4 slate its own init section (EXT-X-MAP).
 */
export class OfflineSlate {
  readonly #o: OfflineSlateOptions;
  #shape: StreamShape | undefined;
  #run: { clip: SlateClip; mapName?: string; repeat: number } | undefined;
  #unfit: string | undefined;

  constructor(o: OfflineSlateOptions) {
    this.#o = o;
  }

  /** Whether a slate is to be shown while OBS is away (else the playlist ends, as before). */
  get enabled(): boolean {
    return this.#o.slate() !== undefined;
  }

  /** Whether the slate has a clip that can follow this stream. */
  canShow(): boolean {
    if (this.#run) return true;
    const slate = this.#o.slate();
    return slate !== undefined && this.#shape !== undefined && pickSlate(slate, this.#shape) !== undefined;
  }

  /** What the slate shows now, for /api/status: 'built-in', the uploaded image, or null (off, or nothing fits). */
  get source(): string | null {
    return this.#run ? (this.#o.slate()?.source ?? null) : null;
  }

  /** An init section of OBS's (fMP4): the stream's shape from its tracks. */
  learnInit(bytes: Uint8Array): void {
    const shape = probeInit(bytes);
    if (shape) this.#shape = shape;
  }

  /** An MPEG-TS segment of OBS's, when the shape is not known yet (or OBS started again). */
  learnTs(bytes: Uint8Array): void {
    const shape = probeTs(bytes);
    if (shape) this.#shape = shape;
  }

  /** Forgets what the stream looked like (OBS started again, maybe with other settings). */
  forgetShape(): void {
    this.#shape = undefined;
  }

  /** OBS is back: the next slate run picks its clip again. */
  endRun(): void {
    this.#run = undefined;
  }

  /** Stores the next slate segment and says what to append, or null when no slate fits the stream. */
  next(t: Timeline, now: number): SlateSegment | null {
    const run = this.#run ?? this.#startRun(now);
    if (!run) return null;
    const bytes = run.clip.segment(run.repeat);
    run.repeat += 1;
    const name = this.#o.files.segmentName(nextMsn(t), run.clip.ext);
    this.#o.files.put(name, bytes, now);
    return { name, duration: run.clip.variant.duration, byteLength: bytes.byteLength, ...(run.mapName !== undefined ? { mapName: run.mapName } : {}) };
  }

  #startRun(now: number): { clip: SlateClip; mapName?: string; repeat: number } | undefined {
    const slate = this.#o.slate();
    const shape = this.#shape;
    const clip = slate && shape ? pickSlate(slate, shape) : undefined;
    if (!clip) {
      const why = !shape ? 'what the stream looks like is not known' : `no slate variant fits a ${shape.container} stream with${shape.hasVideo ? '' : 'out'} video and with${shape.hasAudio ? '' : 'out'} audio`;
      if (this.#unfit !== why) this.#o.logger.warn(`no offline slate: ${why}; the playlist ends instead when the stream goes offline`);
      this.#unfit = why;
      return undefined;
    }
    this.#unfit = undefined;
    const run: { clip: SlateClip; mapName?: string; repeat: number } = { clip, repeat: 0 };
    if (clip.init) {
      run.mapName = this.#o.files.newInitName('.mp4');
      this.#o.files.put(run.mapName, clip.init, now);
    }
    this.#o.logger.info({ slate: clip.variant.segment, source: slate?.source }, 'OBS is quiet: the playlist goes on with the offline slate');
    this.#run = run;
    return run;
  }
}
