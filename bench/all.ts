// Every bench, one after the other with short durations, then one summary
// table: each figure, its target, the peer figure measured in the same run
// (nginx, a bare node:http server) and the ratio. Each bench records its
// figures through bench/lib/report.ts (BENCH_RESULTS); nothing here parses
// what a bench prints. Writes bench/results/DATE.json (and DATE.md, the
// table as docs/benchmarks.md shows it).
// A bench whose npm script does not exist (on an older branch) is listed as
// not run, never as a failure.
//   npm run bench            (ONLY=viewers,serve to run some; SOAK_MINUTES=2)
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineLoad } from './lib/proc-stats.js';
import { ROOT } from './lib/processes.js';
import { meetsTarget, targetText, type Figure } from './lib/report.js';

interface Bench {
  name: string;
  /** The npm script; run as `npm run SCRIPT` unless `file` is given (then node runs it directly, after one build). */
  script: string;
  file?: string;
  env: Record<string, string>;
}

// Short durations: the whole run takes about 15 minutes on a 2-core machine.
const BENCHES: Bench[] = [
  { name: 'memory', script: 'bench:memory', file: 'bench/memory-idle.ts', env: { RUNS: '3', IDLE_SECONDS: '12', HEAP_SNAPSHOT: '0' } },
  { name: 'serve', script: 'bench:serve', file: 'bench/serve-throughput.ts', env: { DURATION: '5', ROUNDS: '3', PROFILE: '0' } },
  { name: 'viewers', script: 'bench:viewers', file: 'bench/viewers.ts', env: { SECONDS: '15', RAMP: '8' } },
  { name: 'lag', script: 'bench:lag', file: 'bench/relay-lag.ts', env: { SEGMENTS: '32' } },
  { name: 'push', script: 'bench:push', file: 'bench/push-lag.ts', env: { SEGMENTS: '32' } },
  { name: 'chat', script: 'bench:chat', env: { ROUNDS: '3' } },
  { name: 'soak', script: 'bench:soak', env: { SOAK_MINUTES: process.env['SOAK_MINUTES'] ?? '2' } },
];

const only = process.env['ONLY']?.split(',').map((s) => s.trim());
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, '').replace(':', '');
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const lines = join(resultsDir, `.${stamp}.jsonl`);
writeFileSync(lines, '');

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadBefore: machineLoad(),
  date: new Date().toISOString(),
};
console.log(`npm run bench: ${machine.nproc} × ${machine.cpu}, Node ${machine.node}, load average ${machine.loadBefore.load1.toFixed(2)} ${machine.loadBefore.load5.toFixed(2)} ${machine.loadBefore.load15.toFixed(2)}`);

const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const runs: Array<{ name: string; status: 'ok' | 'failed' | 'not run'; why?: string; seconds: number; load: number; figures?: number }> = [];
const countLines = () => readFileSync(lines, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
for (const b of BENCHES) {
  if (only && !only.includes(b.name)) continue;
  if (!scripts[b.script]) {
    console.log(`\n== ${b.name}: no "${b.script}" script in package.json yet: not run`);
    runs.push({ name: b.name, status: 'not run', why: `no ${b.script} script`, seconds: 0, load: NaN });
    continue;
  }
  const load = machineLoad().load1;
  console.log(`\n== ${b.name} (${Object.entries(b.env).map(([k, v]) => `${k}=${v}`).join(' ')} npm run ${b.script}), load ${load.toFixed(2)}`);
  const before = countLines();
  const t0 = performance.now();
  const env = { ...process.env, ...b.env, BENCH_RESULTS: lines };
  const r = b.file && existsSync(join(ROOT, b.file)) ? spawnSync(process.execPath, ['--import', 'tsx', b.file], { cwd: ROOT, env, stdio: 'inherit' }) : spawnSync('npm', ['run', b.script], { cwd: ROOT, env, stdio: 'inherit' });
  const seconds = (performance.now() - t0) / 1000;
  const recorded = countLines() - before;
  const why = r.status !== 0 ? `exit ${r.status ?? r.signal}` : recorded === 0 ? 'ran, but recorded no figure (it only prints; see its output above)' : undefined;
  runs.push({ name: b.name, status: r.status === 0 ? 'ok' : 'failed', ...(why ? { why } : {}), seconds, load, figures: recorded });
}

const figures = readFileSync(lines, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Figure);

const num = (v: number) => (!Number.isFinite(v) ? '-' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const cell = (v: number, unit: string) => `${num(v)}${unit === '' ? '' : unit === 'x' ? '×' : ` ${unit}`}`;
const verdict = (f: Figure) => {
  const m = meetsTarget(f);
  return m === undefined ? '' : m ? 'met' : 'missed';
};
const rows = figures.map((f) => [
  f.what,
  cell(f.value, f.unit),
  targetText(f),
  f.peer ? `${f.peer.name}: ${cell(f.peer.value, f.unit)}` : '',
  f.peer && f.peer.value !== 0 ? `${(f.value / f.peer.value).toFixed(2)}` : '',
  verdict(f),
]);
const header = ['figure', 'value', 'target', 'peer (same run)', 'ratio to peer', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
console.log(`\nsummary (${figures.length} figures; load average at the end ${machineLoad().load1.toFixed(2)}):`);
for (const r of [header, ...rows]) console.log(`  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`);
for (const run of runs) if (run.why) console.log(`  ${run.name}: ${run.status}${run.why ? ` (${run.why})` : ''}`);

const md = [
  `| figure | value | target | peer (same run) | ratio | |`,
  `| --- | --- | --- | --- | --- | --- |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  ...runs.filter((r) => r.why).map((r) => `- ${r.name}: ${r.status} (${r.why})`),
].join('\n');
const out = { machine: { ...machine, loadAfter: machineLoad() }, runs, figures };
writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(out, null, 2)}\n`);
writeFileSync(join(resultsDir, `${stamp}.md`), `${md}\n`);
rmSync(lines, { force: true });
console.log(`\nwrote bench/results/${stamp}.json and .md`);
if (runs.some((r) => r.status === 'failed')) process.exitCode = 1;
