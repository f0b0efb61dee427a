import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Where a function lives, in a few words: a package, node's own code, sharecast's, or V8's. */
function area(url: string): string {
  if (url === '') return 'V8 / native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const ours = /\/(dist|src)\/(.+)$/.exec(url)?.[2];
  return ours ? `sharecast ${ours}` : url;
}

/** The newest .cpuprofile file in a folder (node --cpu-prof names them by time). */
function newestProfile(dir: string): string | undefined {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
}

/**
 * Self time in the newest .cpuprofile of a folder (node --cpu-prof), summed
 * by function and by area, as lines to print: what a process spent its CPU on.
 */
export function summarizeCpuProfile(dir: string, top = 15): string {
  const file = newestProfile(dir);
  if (!file) return `no .cpuprofile in ${dir}`;
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const f = n.callFrame;
    const name = f.functionName === '' ? '(anonymous)' : f.functionName;
    const key = f.url === '' ? name : `${name}  ${area(f.url)}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const a = f.url === '' ? (['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : 'V8 / native') : area(f.url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const lines = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `    ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  return [`  ${file}: ${(total / 1e6).toFixed(1)} s sampled`, '  self time by area:', ...lines(byArea, 12), '  self time by function:', ...lines(byFunction, top)].join('\n');
}

/**
 * Inclusive time in the newest .cpuprofile of a folder: for each function,
 * the share of the busy samples (idle, program and GC left out) with it
 * anywhere on the stack. Shows how much of a request's CPU is under
 * sharecast's own handler and how much is node's HTTP stack and the kernel
 * write below it.
 */
export function inclusiveCpuProfile(dir: string, top = 25): string {
  const file = newestProfile(dir);
  if (!file) return `no .cpuprofile in ${dir}`;
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const name = byId.get(id)?.callFrame.functionName ?? '';
    if (['(idle)', '(program)', '(garbage collector)', '(root)'].includes(name)) continue;
    busy += us;
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x)?.callFrame;
      if (!f || f.functionName === '(root)') continue;
      const key = f.url === '' ? f.functionName || '(native)' : `${f.functionName || '(anonymous)'}  ${area(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const rows = [...inclusive.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `    ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
  return [`  ${file}: ${(busy / 1e6).toFixed(1)} s busy; share of it with each function on the stack:`, ...rows].join('\n');
}
