// The harness of the republisher's unit tests: OBS's playlist as text, and a
// Stream on a fake source and a fake clock.
import type { Logger } from '../../../src/log/logger.js';
import { RelayMetrics } from '../../../src/metrics/relay-metrics.js';
import type { StreamEvent } from '../../../src/stream/republisher.js';
import { SegmentStore } from '../../../src/stream/segment-store.js';
import { Stream } from '../../../src/stream/stream.js';
import { FakeSource } from '../../fakes/fake-source.js';
import { nullLogger } from '../../fakes/null-logger.js';

export interface PlaylistOpts {
  td?: number;
  endList?: boolean;
  map?: string;
  durations?: number[];
}

/** OBS's playlist listing `uris`, the first with media sequence `first`. */
export function m3u8(first: number, uris: string[], o: PlaylistOpts = {}): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${o.map ? 7 : 3}`, `#EXT-X-TARGETDURATION:${o.td ?? 2}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
  if (o.map) lines.push(`#EXT-X-MAP:URI="${o.map}"`);
  uris.forEach((u, i) => lines.push(`#EXTINF:${(o.durations?.[i] ?? o.td ?? 2).toFixed(6)},`, u));
  if (o.endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

export const range = (from: number, to: number, name = (i: number) => `stream${i}.ts`) => Array.from({ length: to - from + 1 }, (_, k) => name(from + k));

export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface SetupOptions<S extends FakeSource> {
  windowSeconds?: number;
  offlineAfterSeconds?: number;
  primed?: boolean;
  /** The source, made on the test's clock (default a FakeSource). */
  source?: (clock: { now: number }) => S;
  /** The segment cache (default 64 MiB). */
  cacheBytes?: number;
  logger?: Logger;
}

/** A republisher on a fake source and a fake clock. */
export async function setup<S extends FakeSource = FakeSource>(opts: SetupOptions<S> = {}) {
  const clock = { now: 1_800_000_000_000 };
  const source = opts.source ? opts.source(clock) : (new FakeSource(clock) as S);
  const store = new SegmentStore({ maxBytes: opts.cacheBytes ?? 64 * 1024 * 1024 });
  const events: StreamEvent[] = [];
  const rep = new Stream({
    name: 'live',
    source,
    store,
    runId: 'run1',
    logger: opts.logger ?? nullLogger,
    metrics: new RelayMetrics({ processMetrics: false }),
    windowSeconds: opts.windowSeconds ?? 12,
    offlineAfterSeconds: opts.offlineAfterSeconds ?? 6,
    now: () => clock.now,
    tickMs: 3_600_000,
    // The same number of retries as in production, without a second of real waiting per failed segment.
    retryDelaysMs: [5, 10, 20],
  });
  rep.subscribe((e) => events.push(e));
  await rep.start();
  // No playlist at first: whatever appears next is a fresh start, published at once.
  if (opts.primed !== false) source.waiting();
  const text = () => rep.playlist()?.body.toString('utf8') ?? '';
  const names = () => rep.timeline.segments.map((s) => s.name);
  /** Pushes a version and waits until the relay's newest segment count settles at `count` total published. */
  const pushAndWait = async (playlist: string, published: number, name?: string) => {
    source.push(playlist, name);
    await until(() => rep.timeline.mediaSequence + rep.timeline.segments.length >= published, `${published} segments published`);
  };
  return { clock, source, store, rep, events, text, names, pushAndWait };
}
