import { shown, type SharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { SkippedSegment } from './stream-status.js';

/**
 * The listed segments one media playlist did not publish: each is counted in
 * the metrics, logged, and the last one is kept for /api/status (lastSkipped,
 * skippedSegments), so no reason to skip leaves no trace.
 */
export class SkippedSegments {
  #last: SkippedSegment | null = null;
  #count = 0;

  constructor(private readonly o: { stream: string; logger: Logger; metrics: RelayMetrics; now: () => number }) {}

  record(uri: string, e: Pick<SharecastError, 'code' | 'message'>): void {
    this.o.metrics.sourceErrors.inc({ stream: this.o.stream, code: e.code });
    this.o.logger.warn({ code: e.code, segment: shown(uri) }, `skipping a segment: ${e.message}`);
    this.#last = { code: e.code, message: shown(e.message, 400), segment: shown(uri), at: new Date(this.o.now()).toISOString() };
    this.#count += 1;
  }

  get status(): { last: SkippedSegment | null; count: number } {
    return { last: this.#last, count: this.#count };
  }
}
