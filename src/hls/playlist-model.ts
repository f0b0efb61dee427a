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
  /** Why this segment cannot be relayed (its EXTINF is nonsense), naming the line; its duration is then 0. */
  invalid?: string;
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
  /** Its LL-HLS parts (EXT-X-PART), when it was published part by part. */
  parts?: readonly PublishedPart[];
  /** An offline slate segment (sharecast's own clip while OBS is away), not one of OBS's. */
  slate?: true;
}

/** A partial segment (LL-HLS): one or more whole CMAF chunks, immutable once public. */
export interface PublishedPart {
  /** File name under /hls/NAME/. */
  name: string;
  duration: number;
  /** Starts with a sync sample: INDEPENDENT=YES. */
  independent: boolean;
  byteLength: number;
}

/** The segment still being written, of which some parts are public. */
export interface PendingSegment {
  msn: number;
  parts: readonly PublishedPart[];
  discontinuity: boolean;
  mapName?: string;
}

/** EXT-X-RENDITION-REPORT: where another rendition of the same stream stands. */
export interface RenditionReport {
  uri: string;
  lastMsn: number;
  lastPart?: number;
}

/** The LL-HLS side of a media playlist. */
export interface LowLatency {
  /** EXT-X-PART-INF:PART-TARGET, seconds. */
  partTarget: number;
  /** EXT-X-SERVER-CONTROL:PART-HOLD-BACK, seconds (at least 2 x partTarget). */
  partHoldBack: number;
  /** EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL, seconds (at least 6 x target duration). */
  canSkipUntil: number;
  /** Parts are listed for this many complete segments at the live edge (and the one being written). */
  partSegments: number;
  pending: PendingSegment | null;
  /** EXT-X-PRELOAD-HINT:TYPE=PART: the public name of the next part. */
  preloadHint: string | null;
  renditionReports: readonly RenditionReport[];
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
  /** Present when the playlist offers LL-HLS parts and blocking reloads. */
  lowLatency?: LowLatency;
}
