/** Percentile by nearest rank over a copy of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summary(values: number[], unit = 'ms'): string {
  const f = (v: number) => `${v.toFixed(1)} ${unit}`;
  return `n=${values.length}  p50=${f(percentile(values, 50))}  p95=${f(percentile(values, 95))}  max=${f(Math.max(...values))}`;
}

/**
 * A log-bucketed histogram of positive values (1 % wide buckets from 0.01):
 * percentiles within 1 %, a fixed cost per value, and it merges across
 * processes as a plain object (IPC) without shipping every sample.
 */
export class Histogram {
  static readonly #LOG_STEP = Math.log(1.01);
  static readonly #MIN = 0.01;
  buckets = new Map<number, number>();
  count = 0;
  max = 0;

  record(value: number): void {
    const v = Math.max(value, Histogram.#MIN);
    const b = Math.floor(Math.log(v / Histogram.#MIN) / Histogram.#LOG_STEP);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.count++;
    if (value > this.max) this.max = value;
  }

  /** The value at or below which p % of the values lie (the bucket's upper edge). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const [b, n] of [...this.buckets.entries()].sort((x, y) => x[0] - y[0])) {
      seen += n;
      if (seen >= rank) return Math.min(this.max, Histogram.#MIN * Math.exp((b + 1) * Histogram.#LOG_STEP));
    }
    return this.max;
  }

  toJSON(): { buckets: Array<[number, number]>; count: number; max: number } {
    return { buckets: [...this.buckets.entries()], count: this.count, max: this.max };
  }

  static from(data: { buckets: Array<[number, number]>; count: number; max: number }): Histogram {
    const h = new Histogram();
    h.buckets = new Map(data.buckets);
    h.count = data.count;
    h.max = data.max;
    return h;
  }

  merge(other: Histogram): this {
    for (const [b, n] of other.buckets) this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
    return this;
  }
}
