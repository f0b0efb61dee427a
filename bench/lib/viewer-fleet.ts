import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ViewerStats } from './hls-viewer.js';
import { Histogram } from './stats.js';
import { ask as askChild } from './child-ask.js';

/** Orders for a client process (bench/lib/viewer-client.ts), and what it answers. */
export type ToClient =
  | { cmd: 'start'; base: string; playlist: string; count: number; firstId: number; rampMs: number; recordFrom: number }
  | { cmd: 'report'; reset: boolean }
  | { cmd: 'stop' };

type HistogramJson = ReturnType<Histogram['toJSON']>;

export interface ClientReport {
  ttfb: Record<keyof ViewerStats['ttfb'], HistogramJson>;
  fanout: HistogramJson;
  stalls: number;
  stallMs: number;
  stalledViewers: number[];
  errors: Array<[string, number]>;
  bytes: number;
  viewers: number;
  /** This process's event-loop delay p99 (ms): when high, the clients, not the server, set the TTFB. */
  loopDelayP99: number;
  /** CPU seconds this process used since the last report. */
  cpuSeconds: number;
}

export type FromClient = { ev: 'started' } | { ev: 'report'; report: ClientReport } | { ev: 'stopped' };

export type FleetReport = ReturnType<typeof mergeReports>;

/** Merges the reports of several client processes. */
function mergeReports(reports: ClientReport[]) {
  const h = (pick: (r: ClientReport) => ReturnType<Histogram['toJSON']>) => reports.reduce((acc, r) => acc.merge(Histogram.from(pick(r))), new Histogram());
  const errors = new Map<string, number>();
  for (const r of reports) for (const [k, n] of r.errors) errors.set(k, (errors.get(k) ?? 0) + n);
  return {
    ttfb: { playlist: h((r) => r.ttfb.playlist), blocking: h((r) => r.ttfb.blocking), segment: h((r) => r.ttfb.segment), part: h((r) => r.ttfb.part) },
    fanout: h((r) => r.fanout),
    stalls: reports.reduce((a, r) => a + r.stalls, 0),
    stallMs: reports.reduce((a, r) => a + r.stallMs, 0),
    stalledViewers: reports.reduce((a, r) => a + r.stalledViewers.length, 0),
    errors,
    bytes: reports.reduce((a, r) => a + r.bytes, 0),
    viewers: reports.reduce((a, r) => a + r.viewers, 0),
    loopDelayP99: Math.max(...reports.map((r) => r.loopDelayP99)),
    cpuSeconds: reports.reduce((a, r) => a + r.cpuSeconds, 0),
  };
}

function ask(child: ChildProcess, msg: ToClient, ev: FromClient['ev']): Promise<FromClient> {
  return askChild<ToClient, FromClient>(child, msg, ev, 'viewer client');
}

/**
 * Simulated viewers spread over `clients` processes of their own (never the
 * server's): they join one after the other over rampMs, and count only what
 * they start from recordFrom (ms since the epoch) on.
 */
export class ViewerFleet {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(o: { base: string; playlist: string; count: number; clients?: number; rampMs: number; recordFrom: number }): Promise<ViewerFleet> {
    const n = o.clients ?? 2;
    const children = Array.from({ length: n }, () => fork(join(import.meta.dirname, 'viewer-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
    process.once('exit', killAll);
    children[0]?.once('exit', () => process.off('exit', killAll));
    let firstId = 0;
    await Promise.all(
      children.map((c, i) => {
        const count = Math.floor(o.count / n) + (i < o.count % n ? 1 : 0);
        const msg: ToClient = { cmd: 'start', base: o.base, playlist: o.playlist, count, firstId, rampMs: o.rampMs, recordFrom: o.recordFrom };
        firstId += count;
        return ask(c, msg, 'started');
      }),
    );
    return new ViewerFleet(children);
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid as number);
  }

  /** What every viewer counted so far (since the last reset). */
  async report(reset = false): Promise<FleetReport> {
    const rs = (await Promise.all(this.children.map((c) => ask(c, { cmd: 'report', reset }, 'report')))) as Array<Extract<FromClient, { ev: 'report' }>>;
    return mergeReports(rs.map((r) => r.report));
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => ask(c, { cmd: 'stop' }, 'stopped').catch(() => undefined)));
    await Promise.all(this.children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  }
}
