/**
 * How the offline slate is made: a short clip of a still image with silent
 * audio, in every container and layout a live stream can have, so that a
 * player can go on after a discontinuity without changing anything but the
 * picture. Made once, by ffmpeg: for the built-in slate by the fixtures
 * script (shipped in fixtures/slate/), for a custom offline image when it is
 * uploaded. Nothing is encoded while a stream runs.
 *
 * One clip is 32 frames at 30 fps (1.0667 s): 50 AAC frames at 48 kHz fill it
 * exactly (46 at 44.1 kHz, within 2 ms), so the clip can repeat with
 * continuous timestamps (see ts-retime.ts, fmp4-retime.ts).
 */

export const SLATE_SIZES = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

export const SLATE_RATES = [48000, 44100] as const;

export const SLATE_FPS = 30;
export const SLATE_FRAMES = 32;
/** AAC frames per clip, by sample rate. */
export const SLATE_AUDIO_FRAMES: Record<number, number> = { 48000: 50, 44100: 46 };
/** The clip's length in 90 kHz ticks (MPEG-TS). */
export const SLATE_TICKS = (SLATE_FRAMES * 90000) / SLATE_FPS;

/** One variant of the slate, as listed in slate.json. */
export interface SlateVariant {
  container: 'ts' | 'fmp4';
  /** Null for an audio-only variant. */
  video: { width: number; height: number } | null;
  /** Null for a video-only variant. */
  audioRate: number | null;
  /** Files in the slate's folder. */
  segment: string;
  init?: string;
  /** EXTINF of one clip, seconds. */
  duration: number;
  /** MPEG-TS: how far each stream's timestamps move per clip, in 90 kHz ticks. */
  periods90k?: { video?: number; audio?: number };
}

export interface SlateManifest {
  /** What the slate shows (built-in, or the uploaded image). */
  source: string;
  variants: SlateVariant[];
}

/** One ffmpeg run of the recipe: its arguments, and the files it leaves in the output folder. */
export interface SlateStep {
  args: string[];
  produces: string[];
}

/** The audio clip's period in 90 kHz ticks at a sample rate. */
export function audioPeriod90k(rate: number): number {
  return Math.round(((SLATE_AUDIO_FRAMES[rate] ?? 0) * 1024 * 90000) / rate);
}

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/**
 * The ffmpeg runs that turn `image` into every slate variant in `dir`, then
 * the manifest that lists them. `caption` is drawn under the picture when the
 * font is there (the built-in slate says "The stream is offline").
 */
export function slateRecipe(image: string, dir: string, o: { caption?: string; fontAvailable?: boolean } = {}): { steps: SlateStep[]; manifest: SlateManifest } {
  const q = (name: string) => `${dir}/${name}`;
  const base = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  const caption = o.caption && o.fontAvailable !== false ? `,drawtext=fontfile=${FONT}:text='${o.caption.replace(/[':\\]/g, '')}':fontcolor=0xb8c0e0:fontsize=h/18:x=(w-tw)/2:y=h*0.78` : '';
  const steps: SlateStep[] = [];
  const variants: SlateVariant[] = [];
  const duration = Number((SLATE_FRAMES / SLATE_FPS).toFixed(6));
  // The still picture, letterboxed to 16:9 at the largest size.
  steps.push({
    args: [...base, '-i', image, '-vf', `scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2:color=0x10131f${caption}`, '-frames:v', '1', q('still.png')],
    produces: ['still.png'],
  });
  for (const rate of SLATE_RATES) {
    // Silent AAC-LC stereo, encoded once and copied (no encoder delay in the clips).
    steps.push({ args: [...base, '-f', 'lavfi', '-i', `anullsrc=r=${rate}:cl=stereo`, '-t', '3', '-c:a', 'aac', '-b:a', '64k', '-f', 'adts', q(`a${rate}.aac`)], produces: [`a${rate}.aac`] });
    const frames = SLATE_AUDIO_FRAMES[rate] as number;
    steps.push({ args: hlsFmp4(base, [], ['-i', q(`a${rate}.aac`)], ['-map', '0:a', '-frames:a', String(frames)], dir, `mp4-a-${rate}`), produces: [`mp4-a-${rate}.init.mp4`, `mp4-a-${rate}-0.m4s`] });
    variants.push({ container: 'fmp4', video: null, audioRate: rate, segment: `mp4-a-${rate}-0.m4s`, init: `mp4-a-${rate}.init.mp4`, duration: Number(((frames * 1024) / rate).toFixed(6)) });
  }
  for (const { width, height } of SLATE_SIZES) {
    const h264 = `v${height}.h264`;
    steps.push({
      args: [
        ...base, '-loop', '1', '-framerate', String(SLATE_FPS), '-i', q('still.png'),
        '-vf', `scale=${width}:${height},format=yuv420p`, '-frames:v', String(SLATE_FRAMES),
        '-c:v', 'libx264', '-profile:v', 'high', '-preset', 'slow', '-tune', 'stillimage', '-bf', '0',
        '-g', String(SLATE_FRAMES), '-keyint_min', String(SLATE_FRAMES), '-sc_threshold', '0', '-crf', '24',
        '-x264-params', 'repeat-headers=1', '-f', 'h264', q(h264),
      ],
      produces: [h264],
    });
    const video = ['-framerate', String(SLATE_FPS), '-i', q(h264)];
    steps.push({ args: hlsFmp4(base, video, [], ['-map', '0:v'], dir, `mp4-${height}p-v`), produces: [`mp4-${height}p-v.init.mp4`, `mp4-${height}p-v-0.m4s`] });
    variants.push({ container: 'fmp4', video: { width, height }, audioRate: null, segment: `mp4-${height}p-v-0.m4s`, init: `mp4-${height}p-v.init.mp4`, duration });
    for (const rate of SLATE_RATES) {
      const audio = ['-i', q(`a${rate}.aac`)];
      const frames = ['-map', '0:v', '-map', '1:a', '-frames:a', String(SLATE_AUDIO_FRAMES[rate])];
      const ts = `ts-${height}p-${rate}.ts`;
      steps.push({ args: [...base, ...video, ...audio, ...frames, '-c', 'copy', '-muxdelay', '0', '-muxpreload', '0', '-f', 'mpegts', q(ts)], produces: [ts] });
      variants.push({ container: 'ts', video: { width, height }, audioRate: rate, segment: ts, duration, periods90k: { video: SLATE_TICKS, audio: audioPeriod90k(rate) } });
      steps.push({ args: hlsFmp4(base, video, audio, frames, dir, `mp4-${height}p-${rate}`), produces: [`mp4-${height}p-${rate}.init.mp4`, `mp4-${height}p-${rate}-0.m4s`] });
      variants.push({ container: 'fmp4', video: { width, height }, audioRate: rate, segment: `mp4-${height}p-${rate}-0.m4s`, init: `mp4-${height}p-${rate}.init.mp4`, duration });
    }
  }
  return { steps, manifest: { source: image, variants } };
}

/** One fMP4 clip as an init section and one media segment (ffmpeg's hls muxer, streams copied). */
function hlsFmp4(base: string[], video: string[], audio: string[], maps: string[], dir: string, name: string): string[] {
  const adts = maps.some((m) => m.endsWith(':a')) ? ['-bsf:a', 'aac_adtstoasc'] : [];
  return [
    ...base, ...video, ...audio, ...maps, '-c', 'copy', ...adts,
    '-f', 'hls', '-hls_time', '10', '-hls_list_size', '0', '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', `${name}.init.mp4`, '-hls_segment_filename', `${dir}/${name}-%d.m4s`,
    `${dir}/${name}.m3u8`,
  ];
}

/** Files the recipe leaves behind that the slate does not need. */
export function slateScratch(manifest: SlateManifest): (name: string) => boolean {
  const keep = new Set(manifest.variants.flatMap((v) => [v.segment, ...(v.init ? [v.init] : [])]));
  return (name) => name !== 'slate.json' && !keep.has(name);
}
