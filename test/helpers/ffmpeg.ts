import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** How OBS's "Custom Output (FFmpeg)" would be set up, as ffmpeg hls muxer options. */
export interface ObsOptions {
  /** Folder OBS writes into. */
  dir: string;
  /** Playlist file name; OBS's "Output to File" uses names like "2026-11-20 18-04-15.m3u8". */
  playlist?: string;
  hlsTime?: number;
  listSize?: number;
  /** hls_flags, e.g. ['delete_segments', 'temp_file']. */
  flags?: string[];
  segmentType?: 'mpegts' | 'fmp4';
  /** Frame size, default 320x180. */
  size?: string;
  /** Stop by itself after this many seconds of media. */
  duration?: number;
  /** Extra ffmpeg arguments placed before the output. */
  extra?: string[];
  /**
   * 'dash': ffmpeg's dash muxer in streaming mode, as the README's lowest-delay
   * recipe sets OBS up: chunked CMAF segments growing as NAME.tmp, master.m3u8
   * and media_N.m3u8 (video and audio apart). Default 'hls'.
   */
  muxer?: 'hls' | 'dash';
  /** dash: the CMAF chunk duration (frag_duration), default 0.2 s. */
  fragDuration?: number;
  /** dash: delete the files when ffmpeg exits (remove_at_exit), default false. */
  removeAtExit?: boolean;
  /**
   * Push instead of writing into `dir`: the base URL (http:// or https://) that
   * the playlist and segments are PUT under, over a persistent connection, as
   * the README's "OBS anywhere" settings do (e.g. http://127.0.0.1:PORT/ingest/live/KEY).
   */
  pushUrl?: string;
  /** https: the CA file to check the server's certificate against. */
  caFile?: string;
}

/** Where the output goes: a file in the folder, or a URL below pushUrl. */
function target(o: ObsOptions, name: string): string {
  return o.pushUrl === undefined ? join(o.dir, name) : `${o.pushUrl.replace(/\/+$/, '')}/${name}`;
}

/** The options that make a muxer PUT its files (ffmpeg's http protocol; OBS passes them as muxer settings). */
function pushOptions(o: ObsOptions): string[] {
  if (o.pushUrl === undefined) return [];
  const tls = o.caFile === undefined ? [] : ['-ca_file', o.caFile, '-tls_verify', '1'];
  return ['-method', 'PUT', '-http_persistent', '1', ...tls];
}

export interface Obs {
  process: ChildProcess;
  playlistPath: string;
  /** Stops like OBS's "Stop Recording": ffmpeg finishes the playlist with EXT-X-ENDLIST. */
  stop(): Promise<void>;
  /** Kills ffmpeg like a crash: no ENDLIST, maybe a truncated last segment. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
  stderr(): string;
}

/**
 * What comes before the output, as OBS's encoders would make it: ffmpeg's test
 * sources in real time, x264 (keyframes every hls_time) and AAC, then `extra`.
 */
export function encoderArgs(o: Pick<ObsOptions, 'hlsTime' | 'size' | 'duration' | 'extra'>): string[] {
  const hlsTime = o.hlsTime ?? 1;
  const fps = 30;
  const dur = o.duration === undefined ? '' : `:duration=${o.duration}`;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '320x180'}:rate=${fps}${dur}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000${dur}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(fps * hlsTime), '-keyint_min', String(fps * hlsTime), '-sc_threshold', '0', '-b:v', '300k',
    '-c:a', 'aac', '-b:a', '48k',
    ...(o.extra ?? []),
  ];
}

/** The ffmpeg arguments of the README's lowest-delay recipe: the dash muxer writing chunked CMAF. */
export function dashArgs(o: ObsOptions): string[] {
  return [
    ...encoderArgs(o),
    '-f', 'dash', '-seg_duration', String(o.hlsTime ?? 1), '-frag_duration', String(o.fragDuration ?? 0.2), '-frag_type', 'duration',
    '-streaming', '1', '-ldash', '1', '-use_template', '1', '-use_timeline', '0', '-hls_playlist', '1',
    '-window_size', String(o.listSize ?? 10), '-remove_at_exit', o.removeAtExit ? '1' : '0',
    ...pushOptions(o),
    target(o, 'stream.mpd'),
  ];
}

export function ffmpegArgs(o: ObsOptions): string[] {
  if (o.muxer === 'dash') return dashArgs(o);
  const playlist = o.playlist ?? 'stream.m3u8';
  const base = playlist.replace(/\.m3u8$/i, '');
  const fmp4 = o.segmentType === 'fmp4';
  const args = [...encoderArgs(o), '-f', 'hls', '-hls_time', String(o.hlsTime ?? 1), '-hls_list_size', String(o.listSize ?? 5)];
  if (o.flags && o.flags.length > 0) args.push('-hls_flags', o.flags.join('+'));
  if (fmp4) {
    args.push('-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', `${base}_init.mp4`);
    args.push('-hls_segment_filename', target(o, `${base}%d.m4s`));
  } else {
    args.push('-hls_segment_filename', target(o, `${base}%d.ts`));
  }
  args.push(...pushOptions(o), target(o, playlist));
  return args;
}

/** Starts a real ffmpeg writing live HLS into a folder (or pushing it to a URL), as OBS does. */
export function startObs(o: ObsOptions): Obs {
  return startFfmpeg(ffmpegArgs(o), target(o, o.muxer === 'dash' ? 'stream.mpd' : (o.playlist ?? 'stream.m3u8')));
}

/** Starts ffmpeg with exactly these arguments (encoderArgs() and an output of your own), like startObs. */
export function startFfmpeg(args: string[], playlistPath = ''): Obs {
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    process: child,
    playlistPath,
    stop: () => end('SIGINT'),
    kill: () => end('SIGKILL'),
    exited,
    stderr: () => err,
  };
}

/** Fails loudly when ffmpeg is missing instead of skipping: npm test installs it. */
export function requireFfmpeg(): void {
  const r = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('ffmpeg is not installed: run `npm test` (it installs it) or `apt-get install ffmpeg`');
}
