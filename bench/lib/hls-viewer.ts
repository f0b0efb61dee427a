import { Agent, get as httpGet } from 'node:http';
import { Parser } from 'm3u8-parser';
import { Histogram } from './stats.js';

/**
 * A simulated viewer that loads a live stream as hls.js 1.7 does, without
 * decoding anything:
 * - a master playlist: it follows the first variant and its audio rendition;
 * - a classic media playlist: reloaded every target duration (the last
 *   segment's duration when shorter), half of it when the playlist had not
 *   changed (hls.js's computeReloadInterval); it starts 3 target durations
 *   behind the live edge (liveSyncDurationCount);
 * - an LL-HLS playlist (CAN-BLOCK-RELOAD and PART-INF): a blocking reload
 *   (_HLS_msn/_HLS_part for the part after the last one listed, _HLS_skip=YES
 *   where CAN-SKIP-UNTIL allows) sent again as soon as the last one returns;
 *   it starts PART-HOLD-BACK behind the edge, at an independent part, and
 *   fetches every part once (the whole segment when its parts are gone);
 * - media is fetched one piece at a time per rendition, in order, each once;
 * - a playback clock per rendition starts when the first piece arrives: a
 *   piece that arrives after it was due is a stall, and playback resumes
 *   from its arrival (the clock shifts by the stall).
 * EXT-X-PRELOAD-HINT is not used (hls.js 1.7 does not use it either).
 */

export interface ViewerStats {
  ttfb: { playlist: Histogram; blocking: Histogram; segment: Histogram; part: Histogram };
  /** Per blocking reload: time from the first viewer in this process getting that version to this one getting it. */
  fanout: Histogram;
  stalls: number;
  stallMs: number;
  stalledViewers: Set<number>;
  errors: Map<string, number>;
  bytes: number;
  /** Only requests started at or after this time (ms since the epoch) are counted. */
  recordFrom: number;
}

export function newViewerStats(recordFrom: number): ViewerStats {
  return {
    ttfb: { playlist: new Histogram(), blocking: new Histogram(), segment: new Histogram(), part: new Histogram() },
    fanout: new Histogram(),
    stalls: 0,
    stallMs: 0,
    stalledViewers: new Set(),
    errors: new Map(),
    bytes: 0,
    recordFrom,
  };
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

interface Fetched {
  status: number;
  ttfb: number;
  /** When the whole body had arrived. */
  end: number;
  text: string;
  bytes: number;
}

/** One GET through the viewer's agent: time to the response headers, and to the last byte. */
function fetchOnce(agent: Agent, url: string, wantText: boolean, timeoutMs: number): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const start = now();
    const req = httpGet(url, { agent, timeout: timeoutMs }, (res) => {
      const ttfb = now() - start;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (wantText) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ttfb, end: now(), text: wantText ? Buffer.concat(chunks).toString('utf8') : '', bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface Segment {
  msn: number;
  uri: string;
  duration: number;
  parts: Array<{ uri: string; duration: number; independent: boolean }>;
  /** False for the segment still being written (only its parts exist yet). */
  complete: boolean;
}

interface MediaPlaylist {
  targetDuration: number;
  ll: boolean;
  partHoldBack: number;
  canSkip: boolean;
  map: string | undefined;
  segments: Segment[];
  endList: boolean;
}

/** Parsed playlists by text: the viewers of one process mostly see the same few versions. */
const parsed = new Map<string, MediaPlaylist>();

function parseMedia(text: string): MediaPlaylist {
  const hit = parsed.get(text);
  if (hit) return hit;
  const p = new Parser();
  p.push(text);
  p.end();
  const m = p.manifest as {
    targetDuration?: number;
    mediaSequence?: number;
    skip?: { skippedSegments: number };
    serverControl?: { canBlockReload?: boolean; canSkipUntil?: number; partHoldBack?: number };
    partInf?: { partTarget: number };
    endList?: boolean;
    segments: Array<{ uri: string; duration: number; map?: { uri: string }; parts?: Array<{ uri: string; duration: number; independent?: boolean }> }>;
    preloadSegment?: { parts?: Array<{ uri: string; duration: number; independent?: boolean }>; map?: { uri: string } };
  };
  let msn = (m.mediaSequence ?? 0) + (m.skip?.skippedSegments ?? 0);
  const part = (x: { uri: string; duration: number; independent?: boolean }) => ({ uri: x.uri, duration: x.duration, independent: x.independent === true });
  const segments: Segment[] = m.segments.map((s) => ({ msn: msn++, uri: s.uri, duration: s.duration, parts: (s.parts ?? []).map(part), complete: true }));
  const pending = m.preloadSegment?.parts ?? [];
  if (pending.length > 0) segments.push({ msn, uri: '', duration: 0, parts: pending.map(part), complete: false });
  const out: MediaPlaylist = {
    targetDuration: m.targetDuration ?? 2,
    ll: m.serverControl?.canBlockReload === true && m.partInf !== undefined,
    partHoldBack: m.serverControl?.partHoldBack ?? 3 * (m.partInf?.partTarget ?? 1),
    canSkip: (m.serverControl?.canSkipUntil ?? 0) > 0,
    map: m.segments[0]?.map?.uri ?? m.preloadSegment?.map?.uri,
    segments,
    endList: m.endList === true,
  };
  if (parsed.size > 64) parsed.delete(parsed.keys().next().value as string);
  parsed.set(text, out);
  return out;
}

/** The first variant's media playlist and its audio rendition, from a master playlist. */
function renditionsOf(text: string): string[] | undefined {
  if (!text.includes('#EXT-X-STREAM-INF')) return undefined;
  const lines = text.split('\n');
  const inf = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF'));
  const video = lines.slice(inf + 1).find((l) => l !== '' && !l.startsWith('#'));
  const group = /AUDIO="([^"]+)"/.exec(lines[inf] ?? '')?.[1];
  const audio = group ? lines.find((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO') && l.includes(`GROUP-ID="${group}"`)) : undefined;
  const audioUri = audio ? /URI="([^"]+)"/.exec(audio)?.[1] : undefined;
  return [video, audioUri].filter((u): u is string => u !== undefined);
}

/** The first arrival of each blocking-reload answer in this process, for the fan-out figure. */
const firstArrival = new Map<string, number>();
setInterval(() => {
  const old = now() - 30_000;
  for (const [k, t] of firstArrival) if (t < old) firstArrival.delete(k);
}, 10_000).unref();

export class SimViewer {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 6 });
  #running = true;
  #tasks: Promise<void>[] = [];

  constructor(
    private readonly id: number,
    private readonly base: string,
    private readonly playlistPath: string,
    private readonly stats: ViewerStats,
  ) {}

  start(): void {
    this.#tasks.push(this.#run());
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#agent.destroy();
    await Promise.allSettled(this.#tasks);
  }

  #error(what: string): void {
    this.stats.errors.set(what, (this.stats.errors.get(what) ?? 0) + 1);
  }

  async #get(path: string, kind: keyof ViewerStats['ttfb'], wantText: boolean, timeoutMs = 10_000): Promise<Fetched | undefined> {
    const url = `${this.base}${path}`;
    const started = now();
    try {
      const r = await fetchOnce(this.#agent, url, wantText, timeoutMs);
      if (started >= this.stats.recordFrom) {
        this.stats.ttfb[kind].record(r.ttfb);
        this.stats.bytes += r.bytes;
        if (r.status >= 400) this.#error(`${kind} ${r.status}`);
      }
      return r.status < 400 ? r : undefined;
    } catch (err) {
      if (this.#running && started >= this.stats.recordFrom) this.#error(`${kind} ${(err as Error).message}`);
      return undefined;
    }
  }

  async #run(): Promise<void> {
    const first = await this.#get(this.playlistPath, 'playlist', true);
    if (!first || !this.#running) return;
    const dir = this.playlistPath.slice(0, this.playlistPath.lastIndexOf('/') + 1);
    const renditions = renditionsOf(first.text);
    if (!renditions) {
      this.#tasks.push(this.#follow(this.playlistPath, first.text));
      return;
    }
    for (const r of renditions) this.#tasks.push(this.#follow(`${dir}${r}`));
  }

  /** One media playlist: its reload loop and its media loop. */
  async #follow(path: string, firstText?: string): Promise<void> {
    let text = firstText ?? (await this.#get(path, 'playlist', true))?.text;
    if (text === undefined) return;
    let playlist = parseMedia(text);
    const known = new Map<number, Segment>();
    let wake: (() => void) | undefined;
    const merge = (p: MediaPlaylist) => {
      for (const s of p.segments) known.set(s.msn, s);
      wake?.();
    };
    merge(playlist);
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    // Where playback starts.
    let msn: number;
    let part = -1;
    const segs = playlist.segments;
    if (playlist.ll) {
      // PART-HOLD-BACK behind the last part, moved back to an independent part.
      const pieces = segs.flatMap((s) => s.parts.map((p, i) => ({ msn: s.msn, i, ...p })));
      let back = 0;
      let at = pieces.length - 1;
      while (at > 0 && back < playlist.partHoldBack) back += pieces[at--]?.duration ?? 0;
      while (at > 0 && !pieces[at]?.independent) at--;
      msn = pieces[at]?.msn ?? segs.at(-1)?.msn ?? 0;
      part = pieces[at]?.i ?? 0;
    } else {
      msn = segs[Math.max(0, segs.length - 3)]?.msn ?? 0;
    }

    const reloads = (async () => {
      while (this.#running && !playlist.endList) {
        const started = now();
        let r: Fetched | undefined;
        if (playlist.ll) {
          const last = [...known.values()].reduce<Segment | undefined>((a, s) => (!a || s.msn > a.msn ? s : a), undefined);
          const [m, p] = !last ? [0, 0] : last.complete ? [last.msn + 1, 0] : [last.msn, last.parts.length];
          const key = `${path}:${m}:${p}`;
          r = await this.#get(`${path}?_HLS_msn=${m}&_HLS_part=${p}${playlist.canSkip ? '&_HLS_skip=YES' : ''}`, 'blocking', true, playlist.targetDuration * 4000 + 5000);
          if (r) {
            const t = now();
            const f = firstArrival.get(key);
            if (f === undefined) firstArrival.set(key, t);
            else if (started >= this.stats.recordFrom) this.stats.fanout.record(t - f);
          } else await sleep(playlist.targetDuration * 500);
        } else {
          r = await this.#get(path, 'playlist', true);
        }
        if (!this.#running) return;
        const changed = r !== undefined && r.text !== text;
        if (r) {
          text = r.text;
          playlist = parseMedia(text);
          merge(playlist);
        }
        if (!playlist.ll) {
          const lastDuration = playlist.segments.at(-1)?.duration ?? playlist.targetDuration;
          const interval = changed ? Math.min(playlist.targetDuration, lastDuration > 0 ? lastDuration : playlist.targetDuration) * 1000 : playlist.targetDuration * 500;
          await sleep(started + interval - now());
        }
      }
    })();

    // The media loop: one piece at a time, in order, against the playback clock.
    let playStart: number | undefined;
    let mediaOffset = 0;
    let failures = 0;
    const arrived = (end: number, duration: number) => {
      if (playStart === undefined) playStart = end;
      else {
        const due = playStart + mediaOffset * 1000;
        if (end > due && end >= this.stats.recordFrom) {
          this.stats.stalls++;
          this.stats.stallMs += end - due;
          this.stats.stalledViewers.add(this.id);
        }
        if (end > due) playStart += end - due;
      }
      mediaOffset += duration;
    };
    if (playlist.map) await this.#get(`${dir}${playlist.map}`, 'segment', false);
    while (this.#running) {
      const seg = known.get(msn);
      let piece: { uri: string; duration: number; kind: 'segment' | 'part' } | undefined;
      if (seg && part >= 0 && part < seg.parts.length) {
        const p = seg.parts[part] as Segment['parts'][number];
        piece = { uri: p.uri, duration: p.duration, kind: 'part' };
      } else if (seg?.complete && (part < 0 || seg.parts.length === 0)) {
        // A whole segment: classic HLS, or an LL segment whose parts are no longer listed.
        piece = { uri: seg.uri, duration: seg.duration, kind: 'segment' };
      } else if (seg?.complete && part >= seg.parts.length) {
        msn++;
        part = playlist.ll ? 0 : -1;
        continue;
      }
      if (!piece) {
        if (playlist.endList && !known.has(msn)) break;
        // Nothing new yet: wait for the next playlist (or a second, whichever comes first).
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(1000)]);
        wake = undefined;
        continue;
      }
      const r = await this.#get(`${dir}${piece.uri}`, piece.kind, false);
      if (!this.#running) break;
      // A piece that fails twice is given up (hls.js would retry a 5xx, and stop at a 404).
      if (!r && ++failures < 2) {
        await sleep(200);
        continue;
      }
      failures = 0;
      if (r) arrived(r.end, piece.duration);
      if (piece.kind === 'segment') {
        msn++;
        part = playlist.ll ? 0 : -1;
      } else part++;
      // Forget what was played.
      for (const k of known.keys()) if (k < msn - 2) known.delete(k);
    }
    await reloads;
  }
}
