import { readdirSync, readlinkSync } from 'node:fs';
import type { Relay } from '../../test/helpers/relay.js';
import { RelayWatcher } from '../../test/helpers/relay-watcher.js';
import { treeUsage } from './proc-stats.js';

/** What bench/soak.ts reads of the server once a minute. */
export interface ServerSample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** Bytes in the segment cache (sharecast_cache_bytes), and V8's external memory (Buffers), in MB. */
  cacheMb: number;
  externalMb: number;
  /** Open file descriptors: all, and those that are not sockets (files, pipes, watches). */
  fds: number;
  fileFds: number;
  /** 5xx answers so far, from sharecast's own counter on /metrics. */
  serverErrors: number;
}

/** Open fds of a process, and how many of them are not sockets. */
export function fdCounts(pid: number): { fds: number; fileFds: number } {
  let fds = 0;
  let fileFds = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      fds++;
      try {
        if (!readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) fileFds++;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return { fds: NaN, fileFds: NaN };
  }
  return { fds, fileFds };
}

/** Sums a Prometheus metric's samples whose labels include every pair of `labels`. */
export function promValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) {
      sum += v;
      found = true;
    }
  }
  return found ? sum : NaN;
}

export async function sampleServer(url: string, pid: number): Promise<ServerSample> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
  const mb = (v: number) => v / 1024 / 1024;
  return {
    rssMb: treeUsage(pid).rssMb,
    heapUsedMb: mb(promValue(text, 'nodejs_heap_size_used_bytes')),
    heapTotalMb: mb(promValue(text, 'nodejs_heap_size_total_bytes')),
    cacheMb: mb(promValue(text, 'sharecast_cache_bytes')),
    externalMb: mb(promValue(text, 'nodejs_external_memory_bytes')),
    ...fdCounts(pid),
    serverErrors: promValue(text, 'sharecast_http_requests_total', { status: '5xx' }) || 0,
  };
}

/**
 * The media sequence checks of test/helpers/relay-watcher.ts (a viewer polling
 * the playlist, fetching each segment once: monotonic media and discontinuity
 * sequences, an msn always naming the same URI, the RFC 8216 rules), plus:
 * no URI ever named two media sequence numbers, and (at the end) every
 * segment still served has the bytes it had the first time.
 */
export class SequenceCheck {
  readonly watcher: RelayWatcher;

  constructor(private readonly url: string) {
    const relay = { get: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init) } as unknown as Relay;
    this.watcher = new RelayWatcher(relay, 'live').start(500);
  }

  /**
   * Every problem found so far, split in two: `sequence` (the media and
   * discontinuity sequences, names, bytes: what must never happen) and `timing`
   * (the RFC 8216 growth rule, a new segment within 1.5 target durations while
   * live, as this process saw it: a starved machine, or the gap before the
   * offline slate, breaks it without any sequence being wrong).
   */
  problems(): { sequence: string[]; timing: string[] } {
    const all = this.#all();
    const timing = all.filter((p) => /(^|: )no new segment for \d+ ms while live/.test(p));
    return { sequence: all.filter((p) => !timing.includes(p)), timing };
  }

  #all(): string[] {
    const out = this.watcher.sequenceProblems();
    const msnOf = new Map<string, number>();
    for (const pl of this.watcher.playlists) {
      for (const s of pl.segments) {
        const known = msnOf.get(s.uri);
        if (known !== undefined && known !== s.msn) out.push(`${s.uri} named msn ${known}, later ${s.msn}`);
        msnOf.set(s.uri, s.msn);
      }
    }
    return [...new Set(out)];
  }

  /** Fetches every segment seen that the server still serves again: each must have the same bytes. */
  async refetch(): Promise<{ checked: number; changed: string[] }> {
    const { sha1 } = await import('../../test/helpers/relay-watcher.js');
    const changed: string[] = [];
    let checked = 0;
    for (const [uri, hash] of this.watcher.segmentHashes) {
      const r = await fetch(`${this.url}/hls/live/${uri}`);
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (r.status !== 200) continue;
      checked++;
      if (sha1(bytes) !== hash) changed.push(uri);
    }
    return { checked, changed };
  }

  /** 5xx answers the watcher itself got. */
  serverErrors(): number {
    return this.watcher.serverErrors().length;
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
  }
}
