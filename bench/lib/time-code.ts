// The capture time, burnt into each frame as a row of black and white
// squares, for the glass-to-glass bench. ffmpeg stamps every frame with the
// wall clock at the moment it leaves the source (setpts with RTCTIME), draws
// the milliseconds since an epoch the bench chose with geq, then gives the
// frames their ordinary timestamps back. The page (g2g-probe.js) reads the
// squares from a canvas and subtracts them from Date.now().
//
// Layout, left to right along the top of the frame, one CELL-pixel square each:
//   white, black (the reference levels), 24 bits of the value (MSB first),
//   8 bits of a check: the sum of the value's three bytes, modulo 256.
import { join } from 'node:path';

export const CELL = 16;
export const VALUE_BITS = 24;
export const CHECK_BITS = 8;
const CELLS = 2 + VALUE_BITS + CHECK_BITS;
export const STRIP_WIDTH = CELLS * CELL;

/** What g2g-probe.js needs to read the squares back. */
export interface TimeCodeLayout {
  epochMs: number;
  cell: number;
  valueBits: number;
  checkBits: number;
}

export function layout(epochMs: number): TimeCodeLayout {
  return { epochMs, cell: CELL, valueBits: VALUE_BITS, checkBits: CHECK_BITS };
}

/** The geq luma expression: 255 or 0 per pixel, from the frame's time T (seconds since the epoch). */
function stripExpression(): string {
  const valueLast = 2 + VALUE_BITS - 1; // the cell of the value's least significant bit
  const checkLast = CELLS - 1;
  return [
    'st(0,floor(T*1000))', // the value: milliseconds since the epoch
    'st(1,mod(floor(ld(0)/65536)+mod(floor(ld(0)/256),256)+mod(ld(0),256),256))', // the check
    `st(2,floor(X/${CELL}))`, // this pixel's cell
    `if(lt(ld(2),2),255*eq(ld(2),0),if(lt(ld(2),${2 + VALUE_BITS}),255*mod(floor(ld(0)/pow(2,${valueLast}-ld(2))),2),255*mod(floor(ld(1)/pow(2,${checkLast}-ld(2))),2)))`,
  ].join(';');
}

/**
 * A filter graph from input 0 (video) to [v]: the frame's wall-clock time in
 * microseconds since `epochMs` becomes its timestamp for the strip, then the
 * frames are renumbered at `fps` so that the encoder and the audio see an
 * ordinary constant frame rate.
 */
export function timeCodeFilter(epochMs: number, fps: number): string {
  const epochUs = epochMs * 1000;
  return [
    `[0:v]settb=expr=1/1000000,setpts=RTCTIME-${epochUs},split[main][code]`,
    `[code]crop=${STRIP_WIDTH}:${CELL}:0:0,format=gray,geq=lum='${stripExpression()}',format=yuv420p[strip]`,
    `[main][strip]overlay=0:0,settb=expr=1/${fps},setpts=N[v]`,
  ].join(';');
}

export interface TimeCodedSource {
  /** Folder of the dash muxer's chunked CMAF (the README's lowest-delay recipe): stream.mpd, master.m3u8, media_N.m3u8. */
  dashDir: string;
  /** Folder of the hls muxer's classic output: index.m3u8 and indexN.ts. */
  hlsDir: string;
  epochMs: number;
  size?: string;
  fps?: number;
  /** dash: CMAF chunk duration (frag_duration). */
  partSeconds?: number;
  segmentSeconds?: number;
}

/**
 * One encode, two outputs (ffmpeg's tee muxer): the same frames, with the
 * same burnt-in times, go to the dash muxer in streaming mode and to the hls
 * muxer, as OBS would write them with the README's two recipes.
 */
export function timeCodedArgs(o: TimeCodedSource): string[] {
  const fps = o.fps ?? 30;
  const seg = o.segmentSeconds ?? 1;
  const dash = [
    'f=dash', `seg_duration=${seg}`, `frag_duration=${o.partSeconds ?? 0.2}`, 'frag_type=duration', 'streaming=1', 'ldash=1',
    'use_template=1', 'use_timeline=0', 'hls_playlist=1', 'window_size=10', 'remove_at_exit=0',
  ].join(':');
  const hls = ['f=hls', `hls_time=${seg}`, 'hls_list_size=5', 'hls_flags=delete_segments', `hls_segment_filename=${join(o.hlsDir, 'index%d.ts')}`].join(':');
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '640x360'}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-filter_complex', timeCodeFilter(o.epochMs, fps),
    '-map', '[v]', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(fps * seg), '-keyint_min', String(fps * seg), '-sc_threshold', '0', '-b:v', '800k',
    '-c:a', 'aac', '-b:a', '48k',
    // The tee muxer does not ask the encoders for global headers as the dash muxer does alone: without
    // them the dash muxer writes CODECS="avc1" with no profile into master.m3u8, and hls.js refuses it.
    '-flags', '+global_header',
    '-f', 'tee', `[${dash}]${join(o.dashDir, 'stream.mpd')}|[${hls}]${join(o.hlsDir, 'index.m3u8')}`,
  ];
}
