import type { RenditionReport } from '../hls/playlist-model.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { ChangeSignal } from './change-signal.js';
import type { StoreEvent, StoredBody, StreamFiles } from './segment-store.js';
import { servedPlaylist, type RenderedPlaylist } from './served-playlist.js';
import type { SavedSequence } from './sequence-store.js';
import { nextMsn, servableNames, type Timeline } from './timeline.js';
import { reportOf } from './timeline-view.js';

export type StreamEvent = { type: 'online' | 'offline'; stream: string; at: number };

/** What changed in what viewers can fetch: lets an edge worker keep a replica. `file` is the playlist's public name. */
export type PublishEvent = StoreEvent | { type: 'playlist'; stream: string; file: string; playlist: RenderedPlaylist | undefined };

export interface PublishedPlaylistOptions {
  /** Name in logs, metrics and the sequence store. */
  name: string;
  /** The stream's name in events. */
  stream: string;
  file: string;
  files: StreamFiles;
  logger: Logger;
  metrics: RelayMetrics;
  timeline: Timeline;
  now: () => number;
  changed?: ChangeSignal | undefined;
  reports?: (() => RenditionReport[]) | undefined;
  sequences?: { save(stream: string, seq: SavedSequence): void } | undefined;
  /** Told after each change was adopted. */
  onCommit?: (t: Timeline) => void;
}

/**
 * One media playlist as viewers see it: the current timeline, its rendered
 * forms (made once per change), the bodies it pins, the sequence numbers
 * kept in the data dir, and who is told of changes (online/offline
 * subscribers, edge-worker observers, held requests). The republisher
 * decides; this adopts its decisions.
 */
export class PublishedPlaylist {
  readonly #o: PublishedPlaylistOptions;
  #file: string;
  #timeline: Timeline;
  #rendered: RenderedPlaylist | undefined;
  #savedMsn = -1;
  /** The window does not fit in the cache: said once, until it fits again. */
  #overCache = false;
  readonly #listeners = new Set<(e: StreamEvent) => void>();
  readonly #observers = new Set<(e: PublishEvent) => void>();

  constructor(o: PublishedPlaylistOptions) {
    this.#o = o;
    this.#file = o.file;
    this.#timeline = o.timeline;
    this.#o.metrics.online.set({ stream: o.name }, 0);
  }

  get timeline(): Timeline {
    return this.#timeline;
  }

  get file(): string {
    return this.#file;
  }

  /** Renames the playlist (a stream's only playlist becomes a rendition of a master). */
  setFile(file: string): void {
    if (file === this.#file) return;
    this.#file = file;
    this.#render();
  }

  /** The current playlist, or undefined when there is nothing to play yet. No I/O, no rendering. */
  playlist(): RenderedPlaylist | undefined {
    return this.#rendered;
  }

  /** A segment, part or init section by its public name. No I/O. */
  lookup(file: string): StoredBody | undefined {
    return this.#o.files.get(file);
  }

  /** This playlist as another rendition's EXT-X-RENDITION-REPORT. */
  report(): RenditionReport {
    return reportOf(this.#timeline, this.#file);
  }

  /** Subscribe to online/offline changes. Returns the unsubscribe function. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every change in what viewers can fetch: first the current state (every pinned body, then the playlist), then each change. */
  observe(listener: (e: PublishEvent) => void): () => void {
    const off = this.#o.files.observe(listener);
    listener({ type: 'playlist', stream: this.#o.stream, file: this.#file, playlist: this.#rendered });
    this.#observers.add(listener);
    return () => {
      off();
      this.#observers.delete(listener);
    };
  }

  /** Adopts a new timeline: pins what viewers may fetch, re-renders if the playlist changed, keeps the sequence, tells subscribers. */
  commit(next: Timeline): void {
    const prev = this.#timeline;
    if (next === prev) return;
    this.#timeline = next;
    if (next.retired !== prev.retired || next.segments !== prev.segments || next.parts?.pending !== prev.parts?.pending) this.#pin(next);
    if (next.segments !== prev.segments || next.live !== prev.live || next.mediaSequence !== prev.mediaSequence || next.parts !== prev.parts) this.#render();
    const upcoming = nextMsn(next);
    if (this.#o.sequences && upcoming !== this.#savedMsn) {
      this.#savedMsn = upcoming;
      // A discontinuity may follow, so count one in advance.
      this.#o.sequences.save(this.#o.name, { nextMsn: upcoming, discontinuitySequence: next.discontinuitySequence + next.segments.filter((s) => s.discontinuity).length });
    }
    if (next.onAir !== prev.onAir) {
      this.#o.metrics.online.set({ stream: this.#o.name }, next.onAir ? 1 : 0);
      const event: StreamEvent = { type: next.onAir ? 'online' : 'offline', stream: this.#o.stream, at: next.since };
      if (next.onAir) this.#o.logger.info('stream online');
      for (const l of this.#listeners) {
        try {
          l(event);
        } catch (err) {
          this.#o.logger.error({ err }, 'stream event listener failed');
        }
      }
    }
    this.#o.onCommit?.(next);
  }

  /** Pins what viewers may fetch, as far as the cache holds it; says once when it does not. */
  #pin(t: Timeline): void {
    const kept = this.#o.files.keep(servableNames(t));
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
    const event: PublishEvent = { type: 'playlist', stream: this.#o.stream, file: this.#file, playlist: this.#rendered };
    for (const o of this.#observers) {
      try {
        o(event);
      } catch (err) {
        this.#o.logger.error({ err }, 'publish observer failed');
      }
    }
    this.#o.changed?.notify();
  }
}
