import { ErrorCode, errorSummary, toSharecastError } from '../errors.js';
import { parseAppended, type ParsedVersion } from '../hls/parse-appended.js';
import type { RenditionReport, SourcePlaylist } from '../hls/playlist-model.js';
import type { PlaylistSnapshot, Source, SourceStatus } from '../ingest/source.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { ChangeSignal } from './change-signal.js';
import { InitSections, type PublishedInit } from './init-sections.js';
import { PartPublisher, type ClosedOutSegment } from './part-publisher.js';
import { readWithRetries } from './read-with-retries.js';
import { extensionOf, type StoreEvent, type StoredBody, type StreamFiles } from './segment-store.js';
import { servedPlaylist, type RenderedPlaylist } from './served-playlist.js';
import type { SavedSequence } from './sequence-store.js';
import { newSourceTracker, planIngest, type IngestItem, type SourceTracker } from './source-tracker.js';
import { SkippedSegments } from './skipped-segments.js';
import { streamStatus, type StreamStatus } from './stream-status.js';
import {
  appendSegment,
  expireRetired,
  goOffline,
  isStale,
  newTimeline,
  nextMsn,
  offlineTimeoutSeconds,
  reportOf,
  servableNames,
  setPreloadHint,
  type Timeline,
} from './timeline.js';

export type StreamEvent = { type: 'online' | 'offline'; stream: string; at: number };

/** What changed in what viewers can fetch: lets an edge worker keep a replica. `file` is the playlist's public name. */
export type PublishEvent = StoreEvent | { type: 'playlist'; stream: string; file: string; playlist: RenderedPlaylist | undefined };

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
}

/**
 * Delays before the 2nd, 3rd and 4th read of a segment: on network shares a
 * file can lag its listing, or still grow after it (SegmentIncomplete). About
 * a second in all, then the segment is skipped with a discontinuity.
 */
const RETRY_DELAYS_MS = [50, 200, 750];

/**
 * Drives one media playlist: takes each new version of OBS's playlist,
 * asks the source tracker (pure) what is new, reads those segments whole (or
 * takes them from the part publisher, which followed them as they grew),
 * stores them (segment store), and asks the timeline (pure) for the relay's
 * next playlist, which it renders once per change.
 */
export class Republisher {
  readonly name: string;
  readonly stream: string;
  #file: string;
  readonly #o: RepublisherOptions & { now: () => number; tickMs: number; dir: string };
  readonly #files: StreamFiles;
  readonly #inits = new InitSections();
  readonly #parts: PartPublisher;
  #savedMsn = -1;
  #tracker: SourceTracker = newSourceTracker();
  #timeline: Timeline;
  #rendered: RenderedPlaylist | undefined;
  #pending: PlaylistSnapshot | null = null;
  /** The last segment taken from the source could not be read: the next one published follows a discontinuity. */
  #skipped = false;
  #draining: Promise<void> | null = null;
  #playlistError: { code: string; message: string } | null = null;
  readonly #skips: SkippedSegments;
  /** The window does not fit in the cache: said once, until it fits again. */
  #overCache = false;
  /** The last version of OBS's playlist that parsed, to parse only what a growing list adds. */
  #lastParsed: (ParsedVersion & { name: string }) | undefined;
  #sourceEnded = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #listeners = new Set<(e: StreamEvent) => void>();
  readonly #playlistObservers = new Set<(e: PublishEvent) => void>();

  constructor(options: RepublisherOptions) {
    this.name = options.name;
    this.stream = options.stream ?? options.name;
    this.#file = options.file ?? 'index.m3u8';
    this.#o = { ...options, now: options.now ?? Date.now, tickMs: options.tickMs ?? 250, dir: options.dir ?? '' };
    this.#files = options.files;
    this.#skips = new SkippedSegments({ stream: this.name, logger: options.logger, metrics: options.metrics, now: this.#o.now });
    const saved = this.#o.sequences?.load(this.name);
    const fresh = newTimeline(this.#o.now());
    // After a restart of sharecast, continue the sequence numbers (the first segment then gets a discontinuity).
    this.#timeline = saved ? { ...fresh, mediaSequence: saved.nextMsn, discontinuitySequence: saved.discontinuitySequence } : fresh;
    this.#parts = new PartPublisher({
      files: this.#files,
      source: options.source,
      logger: options.logger,
      enabled: options.lowLatency !== false && options.source.follow !== undefined,
      now: this.#o.now,
      timeline: () => this.#timeline,
      commit: (t) => this.#commit(t),
      afterSkip: () => this.#skipped,
      publishClosedOut: (seg) => this.#publishClosedOut(seg),
    });
    this.#o.metrics.online.set({ stream: this.name }, 0);
  }

  /** The public name of this playlist under /hls/STREAM/. */
  get file(): string {
    return this.#file;
  }

  /** Renames the playlist (a stream's only playlist becomes a rendition of a master). */
  setFile(file: string): void {
    if (file === this.#file) return;
    this.#file = file;
    this.#render();
  }

  /** Where this media playlist's segments are, below the source's root. */
  setDir(dir: string): void {
    this.#o.dir = dir;
  }

  /** Starts the timer that takes the stream offline when it goes quiet. The caller feeds it playlist versions. */
  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#o.tickMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#parts.close();
    await this.#draining;
  }

  /** Resolves once every playlist version received so far has been processed. */
  idle(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  /** Subscribe to online/offline changes. Returns the unsubscribe function. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Follow every change in what viewers can fetch. The listener first gets
   * the current state (every pinned body, then the playlist), then each change.
   */
  observe(listener: (e: PublishEvent) => void): () => void {
    const off = this.#files.observe(listener);
    listener({ type: 'playlist', stream: this.stream, file: this.file, playlist: this.#rendered });
    this.#playlistObservers.add(listener);
    return () => {
      off();
      this.#playlistObservers.delete(listener);
    };
  }

  /** The current playlist, or undefined when there is nothing to play yet. No I/O, no rendering. */
  playlist(): RenderedPlaylist | undefined {
    return this.#rendered;
  }

  /** A segment, part or init section by its public name. No I/O. */
  lookup(file: string): StoredBody | undefined {
    return this.#files.get(file);
  }

  get timeline(): Timeline {
    return this.#timeline;
  }

  get online(): boolean {
    return this.#timeline.live;
  }

  /** This playlist as another rendition's EXT-X-RENDITION-REPORT. */
  report(): RenditionReport {
    return reportOf(this.#timeline, this.file);
  }

  status(source: Source = this.#o.source): StreamStatus {
    return streamStatus({
      name: this.stream,
      timeline: this.#timeline,
      source,
      playlistError: this.#playlistError,
      skipped: this.#skips.status,
      offlineAfterSeconds: offlineTimeoutSeconds(this.#timeline, this.#o),
    });
  }

  /** Checks for going offline and for retired segments whose grace period is over. Called by a timer. */
  tick(): void {
    const now = this.#o.now();
    if (isStale(this.#timeline, now, this.#o)) {
      this.#o.logger.info({ quietSeconds: offlineTimeoutSeconds(this.#timeline, this.#o) }, 'no new segment for a while: stream offline');
      this.#parts.closeOut('the stream went quiet');
      this.#commit(goOffline(this.#timeline, now));
    }
    this.#commit(expireRetired(this.#timeline, now));
  }

  /** Whether OBS's playlist said it is finished. */
  get sourceEnded(): boolean {
    return this.#sourceEnded;
  }

  /** A status change of the source. */
  onSourceStatus(s: SourceStatus): void {
    if (s.state === 'error') {
      this.#o.metrics.sourceErrors.inc({ stream: this.name, code: s.error?.code ?? ErrorCode.SourceUnavailable });
    }
    // No playlist yet when we first looked: the first one that appears is a fresh start, not an old file.
    if (s.state === 'waiting' && this.#tracker.name === null && !this.#tracker.primed) {
      this.#tracker = { ...this.#tracker, primed: true, name: '' };
    }
  }

  /** A new version of this media playlist. Versions are processed in order; only the newest waiting one is kept. */
  onPlaylist(snapshot: PlaylistSnapshot): void {
    if (this.#closed) return;
    this.#pending = snapshot;
    if (this.#draining === null) this.#draining = this.#drain();
  }

  async #drain(): Promise<void> {
    // The loop always awaits once, so #draining is set before it is cleared below. It is cleared right
    // where the loop sees nothing pending (not in a later .finally), or a version arriving in between is lost.
    while (this.#pending !== null && !this.#closed) {
      const snapshot = this.#pending;
      this.#pending = null;
      try {
        await this.#process(snapshot);
      } catch (err) {
        // A bug, not bad input: keep relaying.
        this.#o.logger.error({ err }, 'unexpected error while republishing');
      }
    }
    this.#draining = null;
  }

  async #process(snapshot: PlaylistSnapshot): Promise<void> {
    let playlist: SourcePlaylist;
    try {
      const prev = this.#lastParsed?.name === snapshot.name ? this.#lastParsed : undefined;
      playlist = parseAppended(prev, snapshot.text);
      this.#lastParsed = { name: snapshot.name, text: snapshot.text, playlist };
    } catch (err) {
      const summary = errorSummary(err);
      if (this.#playlistError?.message !== summary.message) {
        this.#o.logger.warn({ code: summary.code, file: snapshot.name }, `OBS's playlist is unusable: ${summary.message}`);
      }
      this.#playlistError = summary;
      this.#o.metrics.sourceErrors.inc({ stream: this.name, code: summary.code });
      return;
    }
    this.#playlistError = null;
    const plan = planIngest(this.#tracker, snapshot.name, playlist, this.#o.windowSeconds);
    this.#tracker = plan.tracker;
    if (plan.restarted) {
      // A segment followed from the run that ended will never be listed: what of it is public becomes a segment.
      this.#parts.closeOut('OBS started again');
      if (this.#timeline.segments.length > 0) this.#o.logger.info({ file: snapshot.name }, 'OBS started a new recording: continuing after a discontinuity');
    }
    for (const item of plan.items) {
      if (this.#closed) return;
      const ok = await this.#ingest(item, playlist, snapshot, this.#skipped);
      this.#skipped = !ok;
    }
    this.#sourceEnded = plan.ended;
    if (plan.ended && this.#timeline.live && this.#pending === null) {
      this.#o.logger.info('OBS ended the stream (EXT-X-ENDLIST): stream offline');
      this.#parts.closeOut('OBS ended the stream');
      this.#commit(goOffline(this.#timeline, this.#o.now()));
    }
    if (!plan.ended) this.#parts.expect(this.#lastIngested, this.#o.dir);
  }

  /** The newest segment taken from the source, to predict the next one's name. */
  #lastIngested: { uri: string; epoch: number; init: PublishedInit } | undefined;

  /** Reads one segment (and its init section) whole, then makes it public. False when it had to be skipped. */
  async #ingest(item: IngestItem, playlist: SourcePlaylist, snapshot: PlaylistSnapshot, afterSkip: boolean): Promise<boolean> {
    const { metrics, logger } = this.#o;
    if (item.invalid !== undefined) {
      this.#skips.record(item.uri, { code: ErrorCode.PlaylistInvalid, message: item.invalid });
      return false;
    }
    try {
      const init = item.mapUri === undefined ? undefined : await this.#initFor(item.epoch, item.mapUri);
      // A segment followed while it grew: its parts are public already; the rest of its bytes come from the follow.
      const grown = await this.#parts.take(item);
      const bytes = grown ? undefined : await this.#read(item.uri);
      const now = this.#o.now();
      // The init section is (re)pinned with every segment that uses it: it was unpinned if it left the window, or never stored if its first segment failed.
      if (init !== undefined) this.#files.put(init.name, init.body.bytes, now);
      const name = this.#files.segmentName(nextMsn(this.#timeline), extensionOf(item.uri, '.ts'));
      const body = grown ? grown.complete(now) : this.#files.put(name, bytes as Uint8Array, now);
      const next = appendSegment(
        this.#timeline,
        {
          name: grown ? grown.name : name,
          duration: grown?.duration ?? item.duration,
          discontinuity: item.discontinuity || afterSkip,
          ...(init !== undefined ? { mapName: init.name } : {}),
          ...(item.programDateTime !== undefined ? { programDateTime: item.programDateTime } : {}),
          ...(grown ? { parts: grown.parts } : {}),
          byteLength: body.bytes.byteLength,
          sourceTargetDuration: playlist.targetDuration,
          sourceVersion: playlist.version,
          independentSegments: playlist.independentSegments,
        },
        now,
        this.#o,
      );
      if (next.targetDuration !== this.#timeline.targetDuration && this.#timeline.live) {
        logger.warn(
          { from: this.#timeline.targetDuration, to: next.targetDuration, segment: item.uri, duration: item.duration },
          "a segment is longer than the target duration: raising it (set OBS's keyframe interval to hls_time or less)",
        );
      }
      this.#commit(this.#hintNextSegment(next, item.uri));
      if (init !== undefined) this.#lastIngested = { uri: item.uri, epoch: item.epoch, init };
      // Only what of the segment was public: what follows it is not continuous.
      if (grown?.duration !== undefined) return false;
      metrics.segmentsIngested.inc({ stream: this.name });
      metrics.bytesIngested.inc({ stream: this.name }, body.bytes.byteLength);
      metrics.relayLag.observe({ stream: this.name }, Math.max(0, now - snapshot.observedAt) / 1000);
      return true;
    } catch (err) {
      const e = toSharecastError(err, ErrorCode.SourceUnavailable);
      // A playlist that names files outside the source (hls_base_url, absolute paths) never plays: say so in /api/status.
      if (e.code === ErrorCode.PathOutsideSource) this.#playlistError = { code: e.code, message: e.message };
      this.#skips.record(item.uri, e);
      return false;
    }
  }

  /** With parts on, the next part to come is the first of the next segment (EXT-X-PRELOAD-HINT). */
  #hintNextSegment(t: Timeline, uri: string): Timeline {
    return t.parts ? setPreloadHint(t, this.#files.partName(nextMsn(t), 0, extensionOf(uri, '.m4s'))) : t;
  }

  /** A segment that was being written when OBS went away: the parts of it that were public. */
  #publishClosedOut(seg: ClosedOutSegment): void {
    const t = this.#timeline;
    const now = this.#o.now();
    const next = appendSegment(
      t,
      { name: seg.name, duration: seg.duration, discontinuity: false, mapName: seg.mapName, parts: seg.parts, byteLength: seg.body.bytes.byteLength, sourceTargetDuration: t.targetDuration, sourceVersion: t.version, independentSegments: t.independentSegments },
      now,
      this.#o,
    );
    this.#commit(this.#hintNextSegment(next, seg.name));
    this.#skipped = true;
  }

  /** The public init section for one of OBS's init files, read the first time it is used in this OBS run. */
  async #initFor(epoch: number, uri: string): Promise<PublishedInit> {
    const known = this.#inits.find(epoch, uri);
    if (known) return known;
    const bytes = await this.#read(uri);
    const name = this.#files.newInitName(extensionOf(uri, '.mp4'));
    const init = { name, body: this.#files.put(name, bytes, this.#o.now()) };
    this.#inits.add(epoch, uri, init);
    return init;
  }

  /** A URI from this playlist as a path below the source's root. */
  #sourcePath(uri: string): string {
    return this.#o.dir === '' ? uri : `${this.#o.dir}/${uri}`;
  }

  #read(uri: string): Promise<Uint8Array> {
    const path = this.#sourcePath(uri);
    return readWithRetries(() => this.#o.source.readSegment(path), { delaysMs: this.#o.retryDelaysMs ?? RETRY_DELAYS_MS, stopped: () => this.#closed });
  }

  /** Adopts a new timeline: re-renders the playlist if it changed, unpins what left, tells subscribers. */
  #commit(next: Timeline): void {
    const prev = this.#timeline;
    if (next === prev) return;
    this.#timeline = next;
    if (next.retired !== prev.retired || next.segments !== prev.segments || next.parts?.pending !== prev.parts?.pending) this.#pin(next);
    if (next.segments !== prev.segments || next.live !== prev.live || next.mediaSequence !== prev.mediaSequence || next.parts !== prev.parts) this.#render();
    const upcoming = nextMsn(next);
    if (this.#o.sequences && upcoming !== this.#savedMsn) {
      this.#savedMsn = upcoming;
      // One small atomic write per new segment; a discontinuity may follow, so count one in advance.
      this.#o.sequences.save(this.name, { nextMsn: upcoming, discontinuitySequence: next.discontinuitySequence + next.segments.filter((s) => s.discontinuity).length });
    }
    if (next.live !== prev.live) {
      this.#o.metrics.online.set({ stream: this.name }, next.live ? 1 : 0);
      const event: StreamEvent = { type: next.live ? 'online' : 'offline', stream: this.stream, at: next.since };
      if (next.live) this.#o.logger.info('stream online');
      for (const l of this.#listeners) {
        try {
          l(event);
        } catch (err) {
          this.#o.logger.error({ err }, 'stream event listener failed');
        }
      }
    }
  }

  /** Pins what viewers may fetch, as far as the cache holds it; says once when it does not. */
  #pin(t: Timeline): void {
    const kept = this.#files.keep(servableNames(t));
    if (kept.left > 0 && !this.#overCache) {
      this.#o.logger.warn(
        { pinnedBytes: kept.pinnedBytes, leftBytes: kept.leftBytes, budgetBytes: kept.budgetBytes },
        'the live window is larger than the segment cache: its oldest segments may be gone (404) before they leave the playlist; raise --cache-size or lower --window',
      );
    } else if (kept.left === 0 && this.#overCache) {
      this.#o.logger.info('the live window fits in the segment cache again');
    }
    this.#overCache = kept.left > 0;
  }

  #render(): void {
    this.#rendered = servedPlaylist(this.#timeline, this.#o.now(), this.#o.reports?.() ?? []);
    const event: PublishEvent = { type: 'playlist', stream: this.stream, file: this.file, playlist: this.#rendered };
    for (const o of this.#playlistObservers) {
      try {
        o(event);
      } catch (err) {
        this.#o.logger.error({ err }, 'publish observer failed');
      }
    }
    this.#o.changed?.notify();
  }
}
