import type { RenditionReport } from '../hls/playlist-model.js';
import type { Source } from '../ingest/source.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { ChangeSignal } from './change-signal.js';
import type { StreamFiles } from './segment-store.js';
import type { SavedSequence } from './sequence-store.js';
import type { Slate } from './slate.js';

/** What a Republisher (one media playlist's driver) is made with. */
export interface RepublisherOptions {
  /** Name in logs, metrics and the sequence store: the stream's, or stream~N for its other renditions. */
  name: string;
  /** The stream's name in events. */
  stream?: string;
  /** The public name of this playlist under /hls/STREAM/ (index.m3u8, or media-N.m3u8 for a rendition of a master). */
  file?: string;
  /** Where the segments are read (and followed while they grow). */
  source: Source;
  /** The folder of this media playlist below the source's root ('' when it is the root's). */
  dir?: string;
  /** This playlist's public files (names, bodies, pinning), in the shared segment store. */
  files: StreamFiles;
  logger: Logger;
  metrics: RelayMetrics;
  windowSeconds: number;
  offlineAfterSeconds: number;
  /** Publish LL-HLS parts when the source writes segments chunk by chunk (default true). */
  lowLatency?: boolean;
  /** Woken at every change (held requests of the whole stream wait on it). */
  changed?: ChangeSignal;
  /** The other renditions' edges, for EXT-X-RENDITION-REPORT. */
  reports?: () => RenditionReport[];
  now?: () => number;
  /** Where the sequence numbers outlive a restart of sharecast (data dir); none in unit tests. */
  sequences?: { load(stream: string): SavedSequence | undefined; save(stream: string, seq: SavedSequence): void };
  /** How often to check for going offline and for expired segments (ms). */
  tickMs?: number;
  /** Delays before each new read of a segment that failed (ms); default RETRY_DELAYS_MS. */
  retryDelaysMs?: readonly number[];
  /** The offline slate to go on with while OBS is away; none (or undefined): the playlist ends at the offline timeout. */
  slate?: () => Slate | undefined;
  /** A playlist that OBS left is ended (EXT-X-ENDLIST) after this many seconds of slate. Default 1800. */
  endAfterSeconds?: number;
}
