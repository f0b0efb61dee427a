import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about processes the benches start: CPU, memory, file descriptors, children. */

/** A field of /proc/PID/status in MB (VmRSS, VmHWM, RssAnon, RssFile), NaN once the process is gone. */
export function statusMb(pid: number | undefined, key: string): number {
  if (pid === undefined) return NaN;
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** RSS of a process in MB. */
export function rssMb(pid: number | undefined): number {
  return statusMb(pid, 'VmRSS');
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The direct children of a process (edge workers), from /proc. */
export function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A process and its children, summed: RSS in MB and CPU seconds. */
export function treeUsage(pid: number | undefined): { rssMb: number; cpuSeconds: number; pids: number[] } {
  const pids = pid === undefined ? [] : [pid, ...childPids(pid)];
  return {
    pids,
    rssMb: pids.reduce((a, p) => a + rssMb(p), 0),
    cpuSeconds: pids.reduce((a, p) => a + cpuSeconds(p), 0),
  };
}

/** Open file descriptors of a process. */
export function openFds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** This machine's load averages and core count, for a run's record. */
export function machineLoad(): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { load1: load1 ?? NaN, load5: load5 ?? NaN, load15: load15 ?? NaN };
}

/** Share of one core a process tree used while `fn` ran. */
export async function cpuOver<T>(pid: number | undefined, fn: () => Promise<T>): Promise<{ cpu: number; seconds: number; result: T }> {
  const c0 = treeUsage(pid).cpuSeconds;
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { cpu: (treeUsage(pid).cpuSeconds - c0) / seconds, seconds, result };
}

/** The soft open-file limit of this process. */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m ? NaN : m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** Jiffies of all cores from /proc/stat: busy and total, to see whether the machine ran out of CPU. */
export function machineJiffies(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** Share of the whole machine (all cores) that was busy between two readings. */
export function busyShare(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : NaN;
}
