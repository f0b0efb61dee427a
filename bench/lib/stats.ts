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
