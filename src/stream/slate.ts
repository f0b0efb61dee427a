import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fmp4Clip, retimeFmp4, type Fmp4Clip } from '../media/fmp4-retime.js';
import { parseInit, type TrackInfo } from '../media/iso-bmff.js';
import { retimeTs } from '../media/mpeg-ts.js';
import type { SlateManifest, SlateVariant } from '../media/slate-recipe.js';
import type { StreamShape } from '../media/stream-probe.js';

/** A slate variant with its bytes, ready to repeat. */
export interface SlateClip {
  variant: SlateVariant;
  /** fMP4: the init section (its own EXT-X-MAP). */
  init?: Buffer;
  /** The `repeat`-th copy of the clip, timestamps moved on so the copies play as one stream. */
  segment(repeat: number): Buffer;
  /** The file extension of its segments. */
  ext: string;
}

/** The offline slate: every variant of it, loaded once. */
export interface Slate {
  /** What it shows: 'built-in', or the uploaded image. */
  source: string;
  clips: SlateClip[];
}

/** Loads a slate folder (slate.json and its files), as the fixtures script or an upload made it. */
export async function loadSlate(dir: string): Promise<Slate> {
  const manifest = JSON.parse(await readFile(join(dir, 'slate.json'), 'utf8')) as SlateManifest;
  const clips: SlateClip[] = [];
  for (const v of manifest.variants) {
    const segment = await readFile(join(dir, v.segment));
    if (v.container === 'ts') {
      const periods = v.periods90k ?? {};
      clips.push({ variant: v, ext: '.ts', segment: (k) => retimeTs(segment, k, periods) });
    } else {
      if (v.init === undefined) throw new Error(`slate variant ${v.segment} has no init section`);
      const init = await readFile(join(dir, v.init));
      const tracks: TrackInfo[] = parseInit(init);
      const clip: Fmp4Clip = fmp4Clip(segment, tracks);
      clips.push({ variant: v, init, ext: '.m4s', segment: (k) => retimeFmp4(clip, tracks, k) });
    }
  }
  if (clips.length === 0) throw new Error(`the slate in ${dir} has no variants`);
  return { source: manifest.source, clips };
}

/**
 * The variant that can follow a live stream after a discontinuity: the same
 * container; video and audio as the stream has them (muxed, video only or
 * audio only); the picture size nearest the stream's; the stream's audio
 * sample rate when the slate has it (48 kHz otherwise). Undefined when the
 * slate has nothing that fits (a stream with neither video nor audio).
 */
export function pickSlate(slate: Slate, shape: StreamShape): SlateClip | undefined {
  const fits = slate.clips.filter(
    (c) => c.variant.container === shape.container && (c.variant.video !== null) === shape.hasVideo && (c.variant.audioRate !== null) === shape.hasAudio,
  );
  if (fits.length === 0) return undefined;
  const wantHeight = shape.video?.height ?? 720;
  const rateScore = (c: SlateClip) => (c.variant.audioRate === null ? 0 : c.variant.audioRate === (shape.audioRate ?? 48000) ? 0 : c.variant.audioRate === 48000 ? 1 : 2);
  const heightScore = (c: SlateClip) => (c.variant.video === null ? 0 : Math.abs(c.variant.video.height - wantHeight));
  return [...fits].sort((a, b) => heightScore(a) - heightScore(b) || rateScore(a) - rateScore(b))[0];
}
