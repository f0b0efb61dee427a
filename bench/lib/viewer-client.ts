// A client process of simulated viewers (bench/lib/hls-viewer.ts), forked by
// bench/viewers.ts and bench/soak.ts so the viewers never share the server's
// process, and two of them share the load. It takes its orders over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { newViewerStats, SimViewer } from './hls-viewer.js';
import type { Histogram } from './stats.js';
import type { FromClient, ToClient } from './viewer-fleet.js';

const viewers: SimViewer[] = [];
let stats = newViewerStats(Infinity);
const loop = monitorEventLoopDelay({ resolution: 10 });
let cpu = process.cpuUsage();
const send = (m: FromClient) => process.send?.(m);
process.on('disconnect', () => process.exit(0));

process.on('message', (m: ToClient) => {
  if (m.cmd === 'start') {
    stats = newViewerStats(m.recordFrom);
    loop.enable();
    for (let i = 0; i < m.count; i++) {
      const v = new SimViewer(m.firstId + i, m.base, m.playlist, stats);
      viewers.push(v);
      // Viewers join one after the other over the ramp.
      setTimeout(() => v.start(), (m.rampMs * i) / Math.max(1, m.count));
    }
    send({ ev: 'started' });
  } else if (m.cmd === 'report') {
    const used = process.cpuUsage(cpu);
    const toJson = (h: Histogram) => h.toJSON();
    send({
      ev: 'report',
      report: {
        ttfb: { playlist: toJson(stats.ttfb.playlist), blocking: toJson(stats.ttfb.blocking), segment: toJson(stats.ttfb.segment), part: toJson(stats.ttfb.part) },
        fanout: toJson(stats.fanout),
        stalls: stats.stalls,
        stallMs: stats.stallMs,
        stalledViewers: [...stats.stalledViewers],
        errors: [...stats.errors.entries()],
        bytes: stats.bytes,
        viewers: viewers.length,
        loopDelayP99: loop.percentile(99) / 1e6,
        cpuSeconds: (used.user + used.system) / 1e6,
      },
    });
    if (m.reset) {
      const fresh = newViewerStats(stats.recordFrom);
      Object.assign(stats, { ...fresh, recordFrom: stats.recordFrom });
      loop.reset();
      cpu = process.cpuUsage();
    }
  } else if (m.cmd === 'stop') {
    void Promise.all(viewers.map((v) => v.stop())).then(() => {
      send({ ev: 'stopped' });
      setTimeout(() => process.exit(0), 50);
    });
  }
});
