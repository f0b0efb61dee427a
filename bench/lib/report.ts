import { appendFileSync } from 'node:fs';

/**
 * One figure a bench measured, as `npm run bench` collects them. A bench
 * prints its own lines for a person and also calls `record()`, which appends
 * the figure as a JSON line to the file BENCH_RESULTS names (nothing when it
 * is unset), so the summary never parses what a bench prints.
 */
export interface Figure {
  /** Stable key, e.g. "viewers.n1000.w0.segment_ttfb_p99". */
  id: string;
  /** What it is, for the table. */
  what: string;
  value: number;
  unit: string;
  /** The target, when there is one: the value must be at most (<=) or at least (>=) this. */
  target?: { op: '<=' | '>='; value: number };
  /** The same figure from a peer (nginx, a bare node:http server) measured in the same run. */
  peer?: { name: string; value: number };
  /** The command that reproduces it. */
  command: string;
  /** Anything a reader needs next to the number (the load, why it misses). */
  note?: string;
}

export function meetsTarget(f: Pick<Figure, 'value' | 'target'>): boolean | undefined {
  if (!f.target || !Number.isFinite(f.value)) return f.target ? false : undefined;
  return f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value;
}

export function record(f: Figure): void {
  const file = process.env['BENCH_RESULTS'];
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

/** A target as text: "<= 50 ms". */
export function targetText(f: Pick<Figure, 'target' | 'unit'>): string {
  return f.target ? `${f.target.op === '<=' ? '≤' : '≥'} ${f.target.value} ${f.unit}`.trim() : '';
}
