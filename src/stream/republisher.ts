import { ErrorCode, errorSummary, toSharecastError } from '../errors.js';
import { parseAppended, type ParsedVersion } from '../hls/parse-appended.js';
import type { SourcePlaylist } from '../hls/playlist-model.js';
import type { PlaylistSnapshot, Source, SourceStatus } from '../ingest/source.js';
import { InitSections, type PublishedInit } from './init-sections.js';
import { OfflineSlate } from './offline-slate.js';
import { PartPublisher } from './part-publisher.js';
import type { RepublisherOptions } from './republisher-options.js';
import { PublishedPlaylist } from './published-playlist.js';
import { readWithRetries } from './read-with-retries.js';
import { extensionOf, type StreamFiles } from './segment-store.js';
import { newSourceTracker, planIngest, type IngestItem, type SourceTracker } from './source-tracker.js';
import { SkippedSegments } from './skipped-segments.js';
import { streamStatus, type StreamStatus } from './stream-status.js';
import { appendSegment, expireRetired, goOffline, isStale, newTimeline, nextMsn, offlineTimeoutSeconds, type Timeline } from './timeline.js';
import { appendSlate, goOffAir, isEndDue, nextSlateDue } from './timeline-slate.js';

export type { PublishEvent, StreamEvent } from './published-playlist.js';
export type { RepublisherOptions } from './republisher-options.js';

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
  readonly #o: RepublisherOptions & { now: () => number; tickMs: number; dir: string };
  readonly #files: StreamFiles;
  readonly #inits = new InitSections();
  readonly #parts: PartPublisher;
  readonly #slate: OfflineSlate;
  /** What viewers see: the timeline, its rendered playlist, pins, events. */
  readonly #out: PublishedPlaylist;
  #tracker: SourceTracker = newSourceTracker();
  /** The OBS run the streamer ended (admin): its late segments are not a new presentation. */
  #endedEpoch = -1;
  /** The OBS run whose shape the slate knows (a TS stream is probed once per run). */
  #shapeEpoch = -1;
  #pending: PlaylistSnapshot | null = null;
  /** The last segment taken from the source could not be read: the next one published follows a discontinuity. */
  #skipped = false;
  #draining: Promise<void> | null = null;
  #playlistError: { code: string; message: string } | null = null;
  readonly #skips: SkippedSegments;
  /** The last version of OBS's playlist that parsed, to parse only what a growing list adds. */
  #lastParsed: (ParsedVersion & { name: string }) | undefined;
  #sourceEnded = false;
  #timer: NodeJS.Timeout | undefined;
  /** Wakes tick() when the next slate segment is due, to the millisecond (the RFC wants a new segment within 1.5 target durations). */
  #slateTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RepublisherOptions) {
    this.name = options.name;
    this.stream = options.stream ?? options.name;
    this.#o = { ...options, now: options.now ?? Date.now, tickMs: options.tickMs ?? 250, dir: options.dir ?? '' };
    this.#files = options.files;
    this.#skips = new SkippedSegments({ stream: this.name, logger: options.logger, metrics: options.metrics, now: this.#o.now });
    const saved = this.#o.sequences?.load(this.name);
    const fresh = newTimeline(this.#o.now());
    this.#out = new PublishedPlaylist({
      name: this.name,
      stream: this.stream,
      file: options.file ?? 'index.m3u8',
      files: this.#files,
      logger: options.logger,
      metrics: options.metrics,
      // After a restart of sharecast, continue the sequence numbers (the first segment then gets a discontinuity).
      timeline: saved ? { ...fresh, mediaSequence: saved.nextMsn, discontinuitySequence: saved.discontinuitySequence } : fresh,
      now: this.#o.now,
      changed: options.changed,
      reports: options.reports,
      sequences: options.sequences,
      onCommit: (t) => this.#armSlate(t),
    });
    this.#slate = new OfflineSlate({ files: this.#files, slate: options.slate ?? (() => undefined), logger: options.logger });
    this.#parts = new PartPublisher({
      files: this.#files,
      source: options.source,
      logger: options.logger,
      enabled: options.lowLatency !== false && options.source.follow !== undefined,
      now: this.#o.now,
      timeline: () => this.#out.timeline,
      commit: (t) => this.#out.commit(t),
      afterSkip: () => this.#skipped,
      windowSeconds: this.#o.windowSeconds,
      onClosedOut: () => {
        this.#skipped = true;
      },
    });
  }

  /** The public name of this playlist under /hls/STREAM/. */
  get file(): string {
    return this.#out.file;
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
    if (this.#slateTimer) clearTimeout(this.#slateTimer);
    this.#parts.close();
    await this.#draining;
  }

  /** Resolves once every playlist version received so far has been processed. */
  idle(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  /** What viewers see of this playlist: its rendered forms, bodies, events (edge workers, online/offline). */
  get published(): PublishedPlaylist {
    return this.#out;
  }

  get timeline(): Timeline {
    return this.#out.timeline;
  }

  /** OBS is sending (the playlist may stay open with the offline slate while it is not). */
  get online(): boolean {
    return this.#out.timeline.onAir;
  }

  /**
   * The streamer ends the stream (admin, shutdown): EXT-X-ENDLIST now. What
   * OBS still sends of the run it was in is dropped; a stream that starts
   * after it (OBS started again) is a new presentation at the same URL.
   */
  end(): void {
    this.#endedEpoch = this.#tracker.epoch;
    this.#parts.closeOut('the stream was ended');
    this.#slate.endRun();
    this.#out.commit(goOffline(this.#out.timeline, this.#o.now()));
  }

  status(source: Source = this.#o.source): StreamStatus {
    return streamStatus({
      name: this.stream,
      timeline: this.#out.timeline,
      source,
      playlistError: this.#playlistError,
      skipped: this.#skips.status,
      offlineAfterSeconds: offlineTimeoutSeconds(this.#out.timeline, this.#o),
      slate: this.#slate.source,
    });
  }

  /**
   * Called by a timer: goes offline when OBS has been quiet past the offline
   * timeout, keeps the playlist going with the offline slate while it is
   * quiet (else ends it), ends a playlist left for --end-after, and forgets
   * retired segments whose grace period is over.
   */
  tick(): void {
    const now = this.#o.now();
    const slateOn = this.#slate.enabled;
    if (isStale(this.#out.timeline, now, this.#o)) {
      this.#o.logger.info({ quietSeconds: offlineTimeoutSeconds(this.#out.timeline, this.#o) }, 'no new segment for a while: stream offline');
      this.#parts.closeOut('the stream went quiet');
      this.#out.commit(slateOn && this.#slate.canShow() ? goOffAir(this.#out.timeline, now) : goOffline(this.#out.timeline, now));
    }
    const due = slateOn ? nextSlateDue(this.#out.timeline) : null;
    // A timer may fire a millisecond early: a slate segment due within 10 ms is due now.
    if (due !== null && now >= due - 10) {
      this.#parts.closeOut('the stream went quiet');
      const seg = this.#slate.next(this.#out.timeline, now);
      if (seg) this.#out.commit(appendSlate(this.#out.timeline, seg, now, this.#o));
    }
    if (isEndDue(this.#out.timeline, now, this.#o.endAfterSeconds ?? 1800)) {
      this.#o.logger.info({ endAfterSeconds: this.#o.endAfterSeconds ?? 1800 }, 'OBS has been away for the end-after time: the stream ends (EXT-X-ENDLIST)');
      this.#slate.endRun();
      this.#out.commit(goOffline(this.#out.timeline, now));
    }
    this.#out.commit(expireRetired(this.#out.timeline, now));
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
      if (this.#out.timeline.segments.length > 0) this.#o.logger.info({ file: snapshot.name }, 'OBS started a new recording: continuing after a discontinuity');
    }
    for (const item of plan.items) {
      if (this.#closed) return;
      const ok = await this.#ingest(item, playlist, snapshot, this.#skipped);
      this.#skipped = !ok;
    }
    this.#sourceEnded = plan.ended;
    if (plan.ended && this.#out.timeline.onAir && this.#pending === null) {
      this.#parts.closeOut('OBS ended the stream');
      const slate = this.#slate.enabled && this.#slate.canShow();
      this.#o.logger.info(slate ? 'OBS ended its playlist: stream offline, the offline slate follows' : 'OBS ended the stream (EXT-X-ENDLIST): stream offline');
      this.#out.commit(slate ? goOffAir(this.#out.timeline, this.#o.now()) : goOffline(this.#out.timeline, this.#o.now()));
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
    // The streamer ended this run: what it still sends does not start a new presentation (OBS starting again does).
    if (item.epoch === this.#endedEpoch && !this.#out.timeline.live) return true;
    try {
      const init = item.mapUri === undefined ? undefined : await this.#initFor(item.epoch, item.mapUri);
      // A segment followed while it grew: its parts are public already; the rest of its bytes come from the follow.
      const grown = await this.#parts.take(item);
      const bytes = grown ? undefined : await this.#read(item.uri);
      // What the stream looks like, for a slate that can follow it: from its init section, or once per OBS run from a TS segment.
      if (init === undefined && bytes !== undefined && this.#shapeEpoch !== item.epoch) {
        this.#slate.learnTs(bytes);
        this.#shapeEpoch = item.epoch;
      }
      // Ended by the streamer while it was read: dropped, as above.
      if (item.epoch === this.#endedEpoch && !this.#out.timeline.live) return true;
      this.#slate.endRun();
      const now = this.#o.now();
      // The init section is (re)pinned with every segment that uses it: it was unpinned if it left the window, or never stored if its first segment failed.
      if (init !== undefined) this.#files.put(init.name, init.body.bytes, now);
      const name = this.#files.segmentName(nextMsn(this.#out.timeline), extensionOf(item.uri, '.ts'));
      const body = grown ? grown.complete(now) : this.#files.put(name, bytes as Uint8Array, now);
      const next = appendSegment(
        this.#out.timeline,
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
      if (next.targetDuration !== this.#out.timeline.targetDuration && this.#out.timeline.live) {
        logger.warn(
          { from: this.#out.timeline.targetDuration, to: next.targetDuration, segment: item.uri, duration: item.duration },
          "a segment is longer than the target duration: raising it (set OBS's keyframe interval to hls_time or less)",
        );
      }
      this.#out.commit(this.#parts.hintAfter(next, item.uri));
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

  /** The public init section for one of OBS's init files, read the first time it is used in this OBS run. */
  async #initFor(epoch: number, uri: string): Promise<PublishedInit> {
    const known = this.#inits.find(epoch, uri);
    if (known) return known;
    const bytes = await this.#read(uri);
    this.#slate.learnInit(bytes);
    const name = this.#files.newInitName(extensionOf(uri, '.mp4'));
    const init = { name, body: this.#files.put(name, bytes, this.#o.now()) };
    this.#inits.add(epoch, uri, init);
    return init;
  }

  #armSlate(t: Timeline): void {
    if (this.#slateTimer) clearTimeout(this.#slateTimer);
    this.#slateTimer = undefined;
    const due = this.#closed || !this.#slate.enabled ? null : nextSlateDue(t);
    if (due === null) return;
    this.#slateTimer = setTimeout(() => this.tick(), Math.max(0, due - this.#o.now()));
    this.#slateTimer.unref();
  }

  /** A URI from this playlist as a path below the source's root. */
  #sourcePath(uri: string): string {
    return this.#o.dir === '' ? uri : `${this.#o.dir}/${uri}`;
  }

  #read(uri: string): Promise<Uint8Array> {
    const path = this.#sourcePath(uri);
    return readWithRetries(() => this.#o.source.readSegment(path), { delaysMs: this.#o.retryDelaysMs ?? RETRY_DELAYS_MS, stopped: () => this.#closed });
  }
}
