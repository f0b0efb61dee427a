/**
 * The HLS format as data. OBS's playlist is parsed into a SourcePlaylist
 * (parse-playlist.ts); the relay's own playlist is a MediaPlaylist, made from
 * the stream's state (src/stream/) and rendered by render-media-playlist.ts.
 * All plain objects: decisions about them are pure functions, testable
 * without I/O.
 */

/** One segment as OBS's playlist lists it. */
export interface SourceSegment {
  /** URI exactly as written, relative to the playlist. */
  uri: string;
  /** EXTINF duration in seconds. */
  duration: number;
  /** An EXT-X-DISCONTINUITY tag stands before this segment in the source. */
  discontinuity: boolean;
  /** URI of the EXT-X-MAP init section that applies (fMP4), if any. */
  mapUri?: string;
  /** EXT-X-PROGRAM-DATE-TIME as written, if the source wrote one for this segment. */
  programDateTime?: string;
}

/** OBS's media playlist, parsed. */
export interface SourcePlaylist {
  version: number | undefined;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  independentSegments: boolean;
  endList: boolean;
  segments: SourceSegment[];
}

/** A segment in the relay's playlist. Its name is never reused for other bytes. */
export interface PublishedSegment {
  /** Media sequence number in the relay's playlist. */
  msn: number;
  /** File name under /hls/NAME/: unique across restarts of OBS and of sharecast. */
  name: string;
  duration: number;
  discontinuity: boolean;
  /** Public name of the init section (fMP4), if any. */
  mapName?: string;
  programDateTime?: string;
  byteLength: number;
  /** When it became public (ms since epoch). */
  publishedAt: number;
}

/** The relay's media playlist, ready to render. */
export interface MediaPlaylist {
  version: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  independentSegments: boolean;
  segments: readonly PublishedSegment[];
  /** EXT-X-ENDLIST: the stream ended. */
  endList: boolean;
}
