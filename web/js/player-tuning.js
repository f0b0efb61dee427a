// How the page's player sets hls.js up, for classic HLS and for LL-HLS.
// player.js builds hls.js with HLS_CONFIG and applies tuneFor() to every
// playlist it loads; the numbers are here to be changed to taste.

/** Settings for every stream (the full build: an LL-HLS source has its audio as a separate rendition). */
export const HLS_CONFIG = {
  workerPath: '/vendor/hls.worker.js',
  // Parts and blocking playlist reloads when the playlist has them (EXT-X-PART-INF, CAN-BLOCK-RELOAD).
  lowLatencyMode: true,
  // Behind the target: catch up by playing up to 10 % faster (1 = off).
  maxLiveSyncPlaybackRate: 1.1,
  // Keep little video behind the playhead and not much ahead: a live page needs neither.
  backBufferLength: 10,
  maxBufferLength: 12,
  // 5xx and timeouts are retried by hls.js itself; a 404 is not (the page handles that).
};

/**
 * Classic HLS (whole segments, no parts): the delay is about
 * liveSyncDurationCount × the segment length (OBS's hls_time), plus the time
 * the relay takes to notice a new segment. Change these to taste.
 */
export const CLASSIC_TUNING = {
  // Start this many segment durations behind the live edge (hls.js default: 3).
  liveSyncDurationCount: 2.5,
  // Further behind than this many segment durations: jump forward.
  liveMaxLatencyDurationCount: 6,
  // Each stall moves the target back by this many seconds (fewer stalls on a slow line).
  liveSyncOnStallIncrease: 1,
  startOnSegmentBoundary: false,
};

/**
 * LL-HLS (the playlist has parts): the playlist's PART-HOLD-BACK sets the
 * target, so nothing here may set the liveSync… or liveMaxLatency… options
 * in the constructor's config (they would override it: 3.8 s instead of 1.7 s in a proof of concept).
 */
export const LOW_LATENCY_TUNING = {
  // hls.js's defaults: no count of its own, no jump.
  liveSyncDurationCount: 3,
  liveMaxLatencyDurationCount: Infinity,
  // A stall costs one part of extra delay for the rest of the session, not a whole second.
  liveSyncOnStallIncrease: 0.2,
  // Start where the first part loaded starts (a keyframe), not at the target inside it:
  // the buffer ahead is what keeps the start from stalling while the next parts come.
  startOnSegmentBoundary: true,
};

/**
 * LL-HLS: further behind the target than this many seconds, jump forward.
 * hls.js only catches up by playing faster within one target duration of
 * its target; after a slow start or a long stall (a busy machine, a slow
 * line) the page would otherwise stay seconds behind for the rest of the
 * session.
 */
export const LOW_LATENCY_MAX_BEHIND_S = 1.5;
/** The jump lands this far before the end of what is buffered: hls.js plays faster only with more than 1 s ahead. */
export const LOW_LATENCY_JUMP_CUSHION_S = 1;

/**
 * Applies the tuning that fits a loaded playlist. hls.js reads these from its
 * live config on every use; they are not part of the config given to the
 * constructor, which is what lets PART-HOLD-BACK win for LL playlists.
 */
export function tuneFor(config, details) {
  const lowLatency = Boolean(details.partList && details.partList.length > 0 && details.canBlockReload);
  Object.assign(config, lowLatency ? LOW_LATENCY_TUNING : CLASSIC_TUNING);
  return lowLatency;
}
