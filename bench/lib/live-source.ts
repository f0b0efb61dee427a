import { startObs, type Obs } from '../../test/helpers/ffmpeg.js';

/** ffmpeg's rate options for a 2.5 Mbit/s stream: CBR video with filler, as a hardware encoder in OBS sends. */
export const BITRATE_ARGS = ['-b:v', '2400k', '-minrate', '2400k', '-maxrate', '2400k', '-bufsize', '1200k', '-x264-params', 'nal-hrd=cbr', '-b:a', '96k'];

/** A live 2.5 Mbit/s source in a fresh folder: the path to give sharecast, and ffmpeg. */
export function startSource(mode: 'hls' | 'll', dir: string): { source: string; obs: Obs } {
  const obs =
    mode === 'll'
      ? startObs({ dir, muxer: 'dash', size: '640x360', hlsTime: 1, listSize: 10, removeAtExit: true, extra: BITRATE_ARGS })
      : startObs({ dir, hlsTime: 2, listSize: 6, size: '640x360', flags: ['delete_segments'], extra: BITRATE_ARGS });
  return { source: obs.playlistPath, obs };
}
