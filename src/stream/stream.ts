import { createHash } from 'node:crypto';
import { ErrorCode, SharecastError, errorSummary } from '../errors.js';
import type { RenditionReport } from '../hls/playlist-model.js';
import { isMasterPlaylist, parseMaster, renderMaster, type MasterPlaylist } from '../hls/parse-master.js';
import type { PlaylistSnapshot, Source, SourceStatus } from '../ingest/source.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import { ChangeSignal } from './change-signal.js';
import { Republisher, type PublishEvent, type StreamEvent } from './republisher.js';
import type { SegmentStore, StoredBody } from './segment-store.js';
import type { RenderedPlaylist } from './served-playlist.js';
import type { SavedSequence } from './sequence-store.js';
import type { Slate } from './slate.js';
import type { StreamStatus } from './stream-status.js';

export interface StreamOptions {
  name: string;
  source: Source;
  store: SegmentStore;
  /** Unique per run of sharecast: part of every public file name. */
  runId: string;
  logger: Logger;
  metrics: RelayMetrics;
  windowSeconds: number;
  offlineAfterSeconds: number;
  lowLatency?: boolean;
  /** The offline slate to go on with while OBS is away; undefined: the playlist ends at the offline timeout. */
  slate?: () => Slate | undefined;
  /** A playlist left by OBS is ended after this many seconds of slate (default 1800). */
  endAfterSeconds?: number;
  sequences?: { load(stream: string): SavedSequence | undefined; save(stream: string, seq: SavedSequence): void };
  now?: () => number;
  tickMs?: number;
}

export const MAIN_PLAYLIST = 'index.m3u8';

/** The relay's name for the rendition at `index` of a master playlist. */
export function renditionFile(index: number): string {
  return `media-${index}.m3u8`;
}

/**
 * One stream as viewers see it at /hls/NAME/: its source, and one
 * republisher per media playlist. A source that writes a single media
 * playlist gives one, served as index.m3u8 (as OBS's hls output does). A
 * master playlist (ffmpeg's dash muxer with hls_playlist, or the hls muxer
 * with var_stream_map) gives one per variant and rendition, served as
 * media-N.m3u8, and index.m3u8 is the master with the relay's names.
 * Renditions keep their place (media-0 is always the first variant), so a
 * new recording continues the same playlists.
 */
export class Stream {
  readonly name: string;
  readonly #o: StreamOptions;
  readonly #changed = new ChangeSignal();
  /** Renditions by position; [0] is the main one (the only one without a master). */
  readonly #renditions: Republisher[] = [];
  /** The source's playlist name each rendition follows (for a master), by position. */
  #sourceNames: string[] = [];
  #master: { text: string; rendered: RenderedPlaylist } | undefined;
  #rootName: string | undefined;
  #masterError: { code: string; message: string } | null = null;
  readonly #observers = new Set<(e: PublishEvent) => void>();
  readonly #listeners = new Set<(e: StreamEvent) => void>();
  #started = false;

  constructor(o: StreamOptions) {
    this.#o = o;
    this.name = o.name;
    this.#rendition(0);
  }

  async start(): Promise<void> {
    this.#started = true;
    for (const r of this.#renditions) r.start();
    await this.#o.source.start({
      onPlaylist: (s) => this.#onPlaylist(s),
      onStatus: (s) => this.#onStatus(s),
    });
  }

  /** Shutdown: the playlists end (EXT-X-ENDLIST) for whoever asks while the server closes. */
  async close(): Promise<void> {
    this.end();
    await this.#o.source.close();
    await Promise.all(this.#renditions.map((r) => r.close()));
  }

  /** The streamer ends the stream (admin page, shutdown): every playlist gets EXT-X-ENDLIST; a stream that starts after it is a new presentation. */
  end(): void {
    for (const r of this.#renditions) r.end();
  }

  /** The main rendition (the first variant): online status, events and status come from it. */
  get main(): Republisher {
    return this.#renditions[0] as Republisher;
  }

  get renditions(): readonly Republisher[] {
    return this.#renditions;
  }

  get online(): boolean {
    return this.main.online;
  }

  get timeline() {
    return this.main.timeline;
  }

  /** A playlist by its public name: index.m3u8 (the master, or the only media playlist) or media-N.m3u8. No I/O. */
  playlist(file: string = MAIN_PLAYLIST): RenderedPlaylist | undefined {
    if (file === MAIN_PLAYLIST) return this.#master ? (this.main.published.playlist() ? this.#master.rendered : undefined) : this.main.published.playlist();
    if (!this.#master) return undefined;
    return this.#renditions.find((r) => r.file === file)?.published.playlist();
  }

  /** A segment, part or init section by its public name, in any rendition. No I/O. */
  lookup(file: string): StoredBody | undefined {
    for (const r of this.#renditions) {
      const b = r.published.lookup(file);
      if (b) return b;
    }
    return undefined;
  }

  /** The parts the playlists name as coming next (EXT-X-PRELOAD-HINT). */
  preloadHints(): string[] {
    const hints: string[] = [];
    for (const r of this.#renditions) {
      const h = r.published.playlist()?.preloadHint;
      if (h !== undefined) hints.push(h);
    }
    return hints;
  }

  /** Calls `wake` once at the next change of any playlist or part of this stream (held requests). */
  waitForChange(wake: () => void): () => void {
    return this.#changed.wait(wake);
  }

  /** Waits until every rendition processed the versions it has. */
  async idle(): Promise<void> {
    await Promise.all(this.#renditions.map((r) => r.idle()));
  }

  status(): StreamStatus {
    let s = this.main.status(this.#o.source);
    // A segment skipped in any rendition counts: the newest skip, and all of them.
    for (const r of this.#renditions.slice(1)) {
      const o = r.status(this.#o.source);
      const newer = o.lastSkipped !== null && (s.lastSkipped === null || o.lastSkipped.at > s.lastSkipped.at);
      s = { ...s, skippedSegments: s.skippedSegments + o.skippedSegments, lastSkipped: newer ? o.lastSkipped : s.lastSkipped };
    }
    if (this.#masterError && !s.playlistError) return { ...s, playlistError: this.#masterError };
    return s;
  }

  /** Online/offline changes of the main rendition. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every change in what viewers can fetch (edge workers): the current state first, then each change. */
  observe(listener: (e: PublishEvent) => void): () => void {
    const offs = this.#renditions.map((r) => r.published.observe(listener));
    if (this.#master) listener({ type: 'playlist', stream: this.name, file: MAIN_PLAYLIST, playlist: this.#master.rendered });
    this.#observers.add(listener);
    return () => {
      offs.forEach((off) => off());
      this.#observers.delete(listener);
    };
  }

  /** Processes the timers of every rendition now (tests). */
  tick(): void {
    for (const r of this.#renditions) r.tick();
  }

  #rendition(index: number): Republisher {
    const existing = this.#renditions[index];
    if (existing) return existing;
    const o = this.#o;
    const name = index === 0 ? o.name : `${o.name}~${index}`;
    const r: Republisher = new Republisher({
      name,
      stream: o.name,
      file: index === 0 && !this.#master ? MAIN_PLAYLIST : renditionFile(index),
      source: o.source,
      files: o.store.stream(name, index === 0 ? o.runId : `${o.runId}r${index}`),
      logger: index === 0 ? o.logger : o.logger.child({ rendition: index }),
      metrics: o.metrics,
      windowSeconds: o.windowSeconds,
      offlineAfterSeconds: o.offlineAfterSeconds,
      changed: this.#changed,
      reports: (): RenditionReport[] => (this.#master ? this.#renditions.filter((other) => other !== r).map((other) => other.published.report()) : []),
      ...(o.lowLatency !== undefined ? { lowLatency: o.lowLatency } : {}),
      ...(o.slate ? { slate: o.slate } : {}),
      ...(o.endAfterSeconds !== undefined ? { endAfterSeconds: o.endAfterSeconds } : {}),
      ...(o.sequences ? { sequences: o.sequences } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
    });
    this.#renditions[index] = r;
    if (index === 0) r.published.subscribe((e) => this.#listeners.forEach((l) => l(e)));
    for (const l of this.#observers) r.published.observe(l);
    if (this.#started) r.start();
    return r;
  }

  #onStatus(s: SourceStatus): void {
    for (const r of this.#renditions) r.onSourceStatus(s);
  }

  #onPlaylist(snapshot: PlaylistSnapshot): void {
    const i = this.#sourceNames.indexOf(snapshot.name);
    if (this.#master && i >= 0 && snapshot.name !== this.#rootName) {
      this.#renditions[i]?.onPlaylist(snapshot);
      return;
    }
    // The main playlist: a media playlist, or a master naming the media playlists.
    this.#rootName = snapshot.name;
    if (!isMasterPlaylist(snapshot.text)) {
      this.#masterError = null;
      if (this.#master) this.#o.logger.warn('the source playlist is no longer a master playlist: serving it as the only media playlist');
      this.#master = undefined;
      this.#sourceNames = [];
      this.#o.source.watchPlaylists?.([]);
      this.main.onPlaylist(snapshot);
      return;
    }
    if (this.#master?.text === snapshot.text) return;
    let master: MasterPlaylist;
    try {
      if (!this.#o.source.watchPlaylists) throw new SharecastError(ErrorCode.PlaylistInvalid, 'this is a master playlist, and this source cannot follow the media playlists it names; point sharecast at a media playlist');
      master = parseMaster(snapshot.text);
    } catch (err) {
      this.#masterError = errorSummary(err);
      this.#o.logger.warn({ code: this.#masterError.code, file: snapshot.name }, `OBS's master playlist is unusable: ${this.#masterError.message}`);
      return;
    }
    this.#masterError = null;
    const dir = snapshot.name.includes('/') ? snapshot.name.slice(0, snapshot.name.lastIndexOf('/') + 1) : '';
    const names = new Map<string, string>();
    this.#sourceNames = master.entries.map((e, index) => {
      names.set(e.uri, renditionFile(index));
      return `${dir}${e.uri}`;
    });
    const first = !this.#master;
    const wasSingle = this.main.file === MAIN_PLAYLIST;
    if (first && wasSingle && this.main.timeline.segments.length > 0) {
      this.#o.logger.warn('the source switched from a media playlist to a master playlist: restart sharecast to serve its renditions');
    }
    this.#sourceNames.forEach((_, index) => this.#rendition(index));
    for (const [index, name] of this.#sourceNames.entries()) {
      const r = this.#renditions[index] as Republisher;
      r.setDir(name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');
      if (r.file === MAIN_PLAYLIST) r.published.setFile(renditionFile(index));
    }
    const text = renderMaster(master, names);
    const body = Buffer.from(text, 'utf8');
    const rendered: RenderedPlaylist = {
      body,
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`,
      cacheControl: 'no-cache',
      lastModified: new Date((this.#o.now ?? Date.now)()).toUTCString(),
      edge: { lastMsn: 0, lastSegmentParts: 0, partsInProgress: 0, endList: false, canBlockReload: false },
      holdLimitMs: 0,
    };
    this.#master = { text: snapshot.text, rendered };
    this.#o.logger.info({ renditions: this.#sourceNames }, `a master playlist with ${this.#sourceNames.length} media playlist(s)`);
    this.#o.source.watchPlaylists(this.#sourceNames);
    const event: PublishEvent = { type: 'playlist', stream: this.name, file: MAIN_PLAYLIST, playlist: rendered };
    for (const l of this.#observers) l(event);
    this.#changed.notify();
  }
}
