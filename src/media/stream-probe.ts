import { spsSize } from './h264.js';
import { parseInit } from './iso-bmff.js';
import { pesPayload, tsStreams } from './mpeg-ts.js';

/** What a live stream's segments are, as far as choosing a slate that can follow them goes. */
export interface StreamShape {
  container: 'ts' | 'fmp4';
  /** The picture size, when there is video (and it could be read). */
  video: { width: number; height: number } | null;
  hasVideo: boolean;
  /** The audio sample rate, when there is audio (AAC). */
  audioRate: number | null;
  hasAudio: boolean;
}

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** The shape of an MPEG-TS segment: its PMT's streams, the SPS's picture size, the ADTS header's sample rate. */
export function probeTs(segment: Uint8Array): StreamShape | undefined {
  const s = tsStreams(segment);
  if (!s) return undefined;
  const video = s.video === undefined ? null : (spsSize(pesPayload(segment, s.video, 64 * 1024)) ?? null);
  let audioRate: number | null = null;
  if (s.audio !== undefined) {
    const a = pesPayload(segment, s.audio, 4096);
    for (let i = 0; i + 3 < a.length; i++) {
      if (a[i] === 0xff && ((a[i + 1] as number) & 0xf6) === 0xf0) {
        audioRate = ADTS_RATES[((a[i + 2] as number) >> 2) & 0x0f] ?? null;
        break;
      }
    }
  }
  const kinds = [...s.kinds.values()];
  return { container: 'ts', video, hasVideo: kinds.includes('video'), audioRate, hasAudio: kinds.includes('audio') };
}

/** The shape of an fMP4 stream, from its init section: tkhd's picture size, the audio track's timescale as its sample rate. */
export function probeInit(init: Uint8Array): StreamShape | undefined {
  let tracks;
  try {
    tracks = parseInit(init);
  } catch {
    return undefined;
  }
  const v = tracks.find((t) => t.handler === 'vide');
  const a = tracks.find((t) => t.handler === 'soun');
  return {
    container: 'fmp4',
    video: v && v.width > 0 && v.height > 0 ? { width: v.width, height: v.height } : null,
    hasVideo: v !== undefined,
    audioRate: a ? a.timescale : null,
    hasAudio: a !== undefined,
  };
}
