import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HlsTally } from './hls-tally.js';

/**
 * The Prometheus metrics sharecast exports at /metrics. One instance, made by
 * main.ts and handed to the modules that count things; its own Registry, never
 * prom-client's global one.
 */
export class RelayMetrics {
  readonly registry = new Registry();

  /** The /hls hot path counts here; drained into the two counters below on each scrape. */
  readonly hls = new HlsTally();

  readonly segmentsIngested = new Counter({
    name: 'sharecast_segments_ingested_total',
    help: 'Segments read whole from the source and made public.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly bytesIngested = new Counter({
    name: 'sharecast_ingested_bytes_total',
    help: 'Bytes of segments read from the source.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly bytesServed: Counter<'stream' | 'kind'> = new Counter({
    name: 'sharecast_served_bytes_total',
    help: 'Body bytes sent to viewers.',
    labelNames: ['stream', 'kind'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [[stream, kind], n] of this.hls.drainBytes()) this.bytesServed.inc({ stream, kind }, n);
    },
  });

  readonly relayLag = new Histogram({
    name: 'sharecast_relay_lag_seconds',
    help: "Time from the source showing a new playlist version to its segment being public in the relay's playlist.",
    labelNames: ['stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly sourceErrors = new Counter({
    name: 'sharecast_source_errors_total',
    help: 'Errors reading from a source, by error code.',
    labelNames: ['stream', 'code'] as const,
    registers: [this.registry],
  });

  readonly requests: Counter<'route' | 'status'> = new Counter({
    name: 'sharecast_http_requests_total',
    help: 'HTTP requests answered, by route and status class.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [[route, status], n] of this.hls.drainRequests()) this.requests.inc({ route, status }, n);
    },
  });

  readonly online = new Gauge({
    name: 'sharecast_stream_online',
    help: '1 while the stream is live, 0 while offline.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  /** Reads the segment store's size on each scrape (set by whoever owns the store). */
  #cacheSize: () => number = () => 0;

  readonly cacheBytes: Gauge = new Gauge({
    name: 'sharecast_cache_bytes',
    help: 'Bytes held in the segment cache.',
    registers: [this.registry],
    collect: () => this.cacheBytes.set(this.#cacheSize()),
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the cache-size gauge reads its value. */
  measureCache(size: () => number): void {
    this.#cacheSize = size;
  }
}
