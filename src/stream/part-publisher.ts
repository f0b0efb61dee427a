import type { PublishedPart } from '../hls/playlist-model.js';
import type { Source } from '../ingest/source.js';
import type { Logger } from '../log/logger.js';
import { parseInit, type TrackInfo } from '../media/iso-bmff.js';
import type { PublishedInit } from './init-sections.js';
import { SegmentFollow } from './segment-follow.js';
import { extensionOf, type GrowingSegment, type StoredBody, type StreamFiles } from './segment-store.js';
import { appendSegment, nextMsn, type Timeline } from './timeline.js';
import { appendPart, enableParts, pendingParts, setPreloadHint } from './timeline-parts.js';

export interface PartPublisherOptions {
  files: StreamFiles;
  source: Source;
  logger: Logger;
  /** LL-HLS wanted, and the source can follow a growing file. */
  enabled: boolean;
  now: () => number;
  timeline: () => Timeline;
  commit: (t: Timeline) => void;
  /** The segment before was skipped: the next starts after a discontinuity. */
  afterSkip: () => boolean;
  /** The relay's window length (a closed-out segment goes through the timeline's window rules). */
  windowSeconds: number;
  /** A followed segment that was never completed became a segment of its public parts: what follows it is not continuous. */
  onClosedOut: () => void;
  /** Whole chunks are joined into parts of at least this many seconds. Default 0.15. */
  minPartSeconds?: number;
}

/** A followed segment the playlist now lists: what the republisher publishes for it. */
export interface GrownSegment {
  name: string;
  /** Set when the segment is only what of it was public (the file broke off): its parts' length. */
  duration?: number;
  /** Its parts, when they were published as it grew. */
  parts?: readonly PublishedPart[];
  /** Stores the whole segment (the exact concatenation of its parts and what followed the last). */
  complete(now: number): StoredBody;
}

interface Head {
  follow: SegmentFollow;
  init: PublishedInit;
  growing?: GrowingSegment;
  /** The playlist listed it: the republisher waits for it (take), nothing else may publish it. */
  taken?: boolean;
}

/** Parts shorter than this share of PART-TARGET are held back until their segment ends. */
const SHORT_PART = 0.85;

/** Segments followed without ever growing chunk by chunk before following stops for this OBS run. */
const UNCONFIRMED_LIMIT = 3;

/**
 * The name ffmpeg gives the segment after `uri`: its last run of digits plus
 * one, with the same width (chunk-stream0-00041.m4s → chunk-stream0-00042.m4s).
 */
export function nextSegmentUri(uri: string): string | null {
  const dot = uri.lastIndexOf('.');
  const slash = uri.lastIndexOf('/');
  const ext = dot > slash ? uri.slice(dot) : '';
  const base = uri.slice(0, uri.length - ext.length);
  const m = /^(.*\D|)(\d+)(\D*)$/.exec(base);
  if (!m) return null;
  const [, head, digits, tail] = m as unknown as [string, string, string, string];
  const n = (BigInt(digits) + 1n).toString();
  return `${head}${n.padStart(digits.length, '0')}${tail}${ext}`;
}

/**
 * LL-HLS for one media playlist: follows the segment after the last one
 * published while OBS writes it, publishes each part once all its bytes are
 * in (never changed after), and hands the republisher the whole segment when
 * the playlist lists it. Parts are turned on only once a segment was seen
 * growing chunk by chunk; PART-TARGET is the longest part of that segment.
 */
export class PartPublisher {
  readonly #o: PartPublisherOptions;
  #head: Head | undefined;
  readonly #tracks = new Map<string, TrackInfo[] | null>();
  #unconfirmed = 0;
  #unconfirmedEpoch = -1;
  #closed = false;

  constructor(o: PartPublisherOptions) {
    this.#o = o;
  }

  close(): void {
    this.#closed = true;
    this.#head?.follow.stop();
    this.#head = undefined;
  }

  /** After a playlist version: follows the segment after `last` (the newest published), if it can grow. */
  expect(last: { uri: string; epoch: number; init: PublishedInit } | undefined, dir: string): void {
    if (!this.#o.enabled || this.#closed || last === undefined) return;
    if (last.epoch !== this.#unconfirmedEpoch) {
      this.#unconfirmedEpoch = last.epoch;
      this.#unconfirmed = 0;
    }
    if (this.#unconfirmed >= UNCONFIRMED_LIMIT && this.#o.timeline().parts === null) return;
    const uri = nextSegmentUri(last.uri);
    if (uri === null || extensionOf(uri, '') === '.ts') return;
    const head = this.#head;
    if (head && head.follow.uri === uri && head.follow.epoch === last.epoch) return;
    if (head) this.closeOut('another segment came next');
    const tracks = this.#tracksOf(last.init);
    if (!tracks) return;
    const source = this.#o.source;
    const path = dir === '' ? uri : `${dir}/${uri}`;
    const follow = new SegmentFollow({
      uri,
      epoch: last.epoch,
      tracks,
      minPartSeconds: this.#o.minPartSeconds ?? 0.15,
      start: (l) => source.follow?.(path, l) ?? (() => undefined),
      onProgress: () => this.#progress(follow),
    });
    this.#head = { follow, init: last.init };
    this.#progress(follow);
  }

  /**
   * The playlist lists `item`: if it is the segment being followed, waits for
   * the follow to finish and returns what to publish; undefined to read the
   * file whole instead (not followed, or the follow broke off).
   */
  async take(item: { uri: string; epoch: number }): Promise<GrownSegment | undefined> {
    const head = this.#head;
    if (!head || head.follow.uri !== item.uri || head.follow.epoch !== item.epoch) return undefined;
    head.taken = true;
    const end = await head.follow.done;
    if (this.#head === head) this.#head = undefined;
    const f = head.follow;
    if (!end.complete || f.error !== undefined) {
      if (f.error !== undefined) this.#o.logger.warn({ segment: f.uri, reason: f.error }, 'a followed segment is not CMAF: no parts for it');
      const parts = pendingParts(this.#o.timeline());
      const growing = head.growing;
      if (!growing || parts.length === 0) return undefined;
      // Parts of it are public already: the segment is those parts, and nothing after them.
      const duration = parts.reduce((a, p) => a + p.duration, 0);
      this.#o.logger.warn({ segment: f.uri, parts: parts.length }, 'a segment broke off while it was followed: publishing its public parts as the segment');
      return { name: growing.name, duration, parts, complete: (now) => growing.complete(now) };
    }
    const files = this.#o.files;
    let t = this.#o.timeline();
    if (t.parts === null) {
      // Not low-latency yet: the segment is published whole; it may show that the source writes chunk by chunk.
      if (f.parts.length >= 2 && f.deliveries >= 2) {
        const partTarget = Math.ceil(Math.max(...f.parts.map((p) => p.duration)) * 1000) / 1000;
        this.#o.commit(enableParts(t, partTarget));
        this.#o.logger.info({ partTarget }, `the source writes segments chunk by chunk: LL-HLS parts on (PART-TARGET ${partTarget} s)`);
      } else {
        this.#unconfirmed += 1;
      }
      const name = files.segmentName(nextMsn(t), extensionOf(f.uri, '.m4s'));
      return { name, complete: (now) => files.put(name, f.bytes(), now) };
    }
    this.#release(head, true);
    t = this.#o.timeline();
    const growing = head.growing ?? files.beginSegment(nextMsn(t), extensionOf(f.uri, '.m4s'));
    const parts = pendingParts(t);
    const tail = f.tail();
    return { name: growing.name, parts, complete: (now) => growing.complete(now, tail) };
  }

  /** A segment being followed will never be listed: its public parts become a segment, the rest is dropped. */
  closeOut(reason: string): void {
    const head = this.#head;
    if (!head || head.taken) return;
    this.#head = undefined;
    head.follow.stop();
    this.#release(head, true);
    const t = this.#o.timeline();
    const parts = pendingParts(t);
    // No part of it was public: the hint (its first part) stays, the playlist never lacks one while it lists parts.
    if (!head.growing || parts.length === 0) return;
    const body = head.growing.complete(this.#o.now());
    const duration = parts.reduce((a, p) => a + p.duration, 0);
    this.#o.logger.info({ parts: parts.length, duration, reason }, 'a segment being written was never completed: its public parts are published as a segment');
    const next = appendSegment(
      t,
      { name: head.growing.name, duration, discontinuity: false, mapName: head.init.name, parts, byteLength: body.bytes.byteLength, sourceTargetDuration: t.targetDuration, sourceVersion: t.version, independentSegments: t.independentSegments },
      this.#o.now(),
      { windowSeconds: this.#o.windowSeconds },
    );
    this.#o.commit(this.hintAfter(next, head.growing.name));
    this.#o.onClosedOut();
  }

  /** With parts on, the next part to come is the first of the next segment (EXT-X-PRELOAD-HINT). */
  hintAfter(t: Timeline, uri: string): Timeline {
    return t.parts ? setPreloadHint(t, this.#o.files.partName(nextMsn(t), 0, extensionOf(uri, '.m4s'))) : t;
  }

  #progress(follow: SegmentFollow): void {
    const head = this.#head;
    if (!head || head.follow !== follow || this.#closed) return;
    this.#release(head);
    // Gone before the playlist listed it (OBS stopped or crashed mid-segment).
    if (follow.end && !follow.end.complete && follow.end.reason !== null) {
      this.#o.logger.debug({ segment: follow.uri, reason: follow.end.reason.message }, 'stopped following a segment');
      this.closeOut(follow.end.reason.message);
    }
  }

  /**
   * Publishes the parts cut since the last call (when parts are on). `final`:
   * the segment is being published (or closed out), so a short last part may
   * go too; until then it waits, even once the file is complete, because the
   * playlist's next part after it (the preload hint) would make it a short
   * part in the middle of its segment.
   */
  #release(head: Head, final = false): void {
    let t = this.#o.timeline();
    if (t.parts === null || !t.live) return;
    const f = head.follow;
    const now = this.#o.now();
    const { partTarget } = t.parts;
    while (f.released < f.parts.length) {
      const cut = f.parts[f.released] as (typeof f.parts)[number];
      // A part under 85 % of PART-TARGET may only be the last of its segment (RFC 8216bis 4.4.4.9): it waits until the segment is complete.
      if (!final && cut.duration < SHORT_PART * partTarget) break;
      head.growing ??= this.#o.files.beginSegment(nextMsn(t), extensionOf(f.uri, '.m4s'));
      const name = head.growing.addPart(cut.bytes, now);
      f.released += 1;
      const part: PublishedPart = { name, duration: cut.duration, independent: cut.independent, byteLength: cut.bytes.byteLength };
      t = appendPart(t, part, { discontinuity: this.#o.afterSkip(), mapName: head.init.name, preloadHint: head.growing.nextPartName }, now);
    }
    if (t !== this.#o.timeline()) this.#o.commit(t);
  }

  #tracksOf(init: PublishedInit): TrackInfo[] | null {
    let tracks = this.#tracks.get(init.name);
    if (tracks === undefined) {
      try {
        tracks = parseInit(init.body.bytes);
      } catch (err) {
        this.#o.logger.warn({ init: init.name, reason: (err as Error).message }, 'cannot read the init section: no LL-HLS parts');
        tracks = null;
      }
      if (this.#tracks.size > 16) this.#tracks.clear();
      this.#tracks.set(init.name, tracks);
    }
    return tracks;
  }
}
