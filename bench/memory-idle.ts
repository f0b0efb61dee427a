// Memory at idle: sharecast serving the demo stream with nobody watching
// (after one page load, one playlist and one segment), started as `npm start`
// starts it (the node flags of package.json's start script) and with Node's
// defaults, beside a bare node:http server: the floor the Node binary sets.
// Target: <= 60 MB RSS with the npm start flags on x86-64.
// Then where the memory goes:
//   - per module: a fresh node imports sharecast's modules (dist/) one by one
//     in main.ts's order and prints process.memoryUsage() after a full GC;
//   - HEAP_SNAPSHOT=1: a heap snapshot of the idle server, its self sizes
//     summed by node type and by constructor.
//   npm run bench:memory     (IDLE_SECONDS=20 RUNS=3 HEAP_SNAPSHOT=1 FLAGS='--a;--b --c' PER_MODULE=0)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, npmStartFlags, ROOT, startSharecast } from './lib/processes.js';
import { statusMb } from './lib/proc-stats.js';
import { record } from './lib/report.js';
import { percentile } from './lib/stats.js';

const IDLE_SECONDS = Number(process.env['IDLE_SECONDS'] ?? 20);
const RUNS = Number(process.env['RUNS'] ?? 3);
const HEAP_SNAPSHOT = process.env['HEAP_SNAPSHOT'] === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (v: number) => `${v.toFixed(1)} MB`;

interface Sample {
  rss: number;
  anon: number;
  file: number;
}

/** RSS samples once a second over the last half of the idle time; the median of each. */
async function idleSamples(pid: number): Promise<Sample> {
  const samples: Sample[] = [];
  for (let s = 0; s < IDLE_SECONDS; s++) {
    await sleep(1000);
    if (s >= IDLE_SECONDS / 2) samples.push({ rss: statusMb(pid, 'VmRSS'), anon: statusMb(pid, 'RssAnon'), file: statusMb(pid, 'RssFile') });
  }
  const med = (k: keyof Sample) => percentile(samples.map((x) => x[k]), 50);
  return { rss: med('rss'), anon: med('anon'), file: med('file') };
}

/** What a page load and a short look at the stream touch, then nothing. */
async function touch(url: string): Promise<void> {
  for (const path of ['/', '/js/main-page.js', '/js/player.js', '/api/status', '/hls/live/index.m3u8']) await (await fetch(`${url}${path}`)).arrayBuffer();
  const playlist = await (await fetch(`${url}/hls/live/index.m3u8`)).text();
  const seg = playlist.split('\n').find((l) => l !== '' && !l.startsWith('#'));
  if (seg) await (await fetch(`${url}/hls/live/${seg}`)).arrayBuffer();
}

async function sharecastIdle(flags: string[], takeSnapshot: boolean): Promise<Sample & { snapshot?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-mem-'));
  const extra = takeSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] : [];
  const relay = await startSharecast(['--source', 'demo', '--data', join(dir, 'data')], { nodeArgs: [...flags, ...extra], env: { SHARECAST_ADMIN_TOKEN: 'bench-admin-token-0123456789' } });
  try {
    await sleep(3000);
    await touch(relay.url);
    const sample = await idleSamples(relay.child.pid as number);
    let snapshot: string | undefined;
    if (takeSnapshot) {
      relay.child.kill('SIGUSR2');
      // The file is complete once its size has not changed for a second.
      let last = -1;
      for (let i = 0; i < 600 && !snapshot; i++) {
        await sleep(1000);
        const f = readdirSync(dir).find((n) => n.endsWith('.heapsnapshot'));
        const size = f ? statSync(join(dir, f)).size : -1;
        if (f && size > 0 && size === last) snapshot = summarizeSnapshot(join(dir, f));
        last = size;
      }
    }
    return snapshot ? { ...sample, snapshot } : sample;
  } finally {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peer: a bare node:http server answering a fixed body, idle, with the same flags. */
async function bareIdle(flags: string[]): Promise<Sample> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  const child = spawn(process.execPath, [...flags, '-e', code], { stdio: 'ignore' });
  try {
    await sleep(1500);
    for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    return await idleSamples(child.pid as number);
  } finally {
    child.kill();
  }
}

/** Self sizes in a V8 heap snapshot, summed by node type and by constructor name. */
function summarizeSnapshot(file: string): string {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snap.snapshot.meta.node_types[0];
  const byType = new Map<string, number>();
  const byName = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    const size = snap.nodes[i + sizeAt] as number;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    if (type === 'object' || type === 'closure' || type === 'code' || type === 'array') {
      const name = `${type}:${(snap.strings[snap.nodes[i + nameAt] as number] ?? '?').slice(0, 40)}`;
      byName.set(name, (byName.get(name) ?? 0) + size);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `    ${(v / 1048576).toFixed(2).padStart(6)} MB  ${k}`)
      .join('\n');
  return `heap snapshot: ${(total / 1048576).toFixed(1)} MB of live objects\n  by node type:\n${top(byType, 10)}\n  by constructor (objects, closures, code, arrays):\n${top(byName, 15)}`;
}

/** A fresh node imports dist/ modules in main.ts's order; memoryUsage() after a full GC after each. */
function perModule(flags: string[]): string {
  const main = readFileSync(join(ROOT, 'dist', 'main.js'), 'utf8');
  const statics = [...main.matchAll(/^import .* from '(\.[^']+)';$/gm)].map((m) => join(ROOT, 'dist', m[1] as string));
  // The modules main.ts loads only for some setups or on first use (create-source.ts, serve-http.ts, logger.ts,
  // lazy-gateway.ts on the first WebSocket, load-config.ts with a config file, admin-body.ts on the first admin body).
  const lazy = ['ingest/demo-source.js', 'ingest/folder-source.js', 'ingest/smb-source.js', 'http/edge/edge-pool.js', 'live/ws-gateway.js'].map((p) => join(ROOT, 'dist', p));
  const code = `
    const mods = ${JSON.stringify([...statics, 'main.js', ...lazy, 'pino-pretty', 'yaml', '@koa/bodyparser'])};
    const { createRequire } = await import('node:module');
    const req = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
    const row = (label, prev) => { gc(); gc(); const m = process.memoryUsage(); const r = { label, rss: m.rss / 1048576, heap: m.heapUsed / 1048576 };
      console.log(JSON.stringify({ ...r, drss: prev ? r.rss - prev.rss : 0, dheap: prev ? r.heap - prev.heap : 0 })); return r; };
    let prev = row('node itself');
    for (const m of mods) { if (m === 'main.js') { prev = row('-- everything main.js loads at start', prev); continue; } if (!m.startsWith('/')) req(m); else await import(m); prev = row(m.replace(${JSON.stringify(`${join(ROOT, 'dist')}/`)}, ''), prev); }`;
  const r = spawnSync(process.execPath, [...flags, '--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) return `per-module run failed: ${r.stderr}`;
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { label: string; rss: number; heap: number; drss: number; dheap: number });
  return rows
    .map((x) => `  ${x.label.padEnd(40)} rss ${x.rss.toFixed(1).padStart(5)} MB (${x.drss >= 0 ? '+' : ''}${x.drss.toFixed(1)})  heap used ${x.heap.toFixed(1).padStart(5)} MB (${x.dheap >= 0 ? '+' : ''}${x.dheap.toFixed(1)})`)
    .join('\n');
}

const flags = npmStartFlags();
const variants: Array<[string, string[]]> = [
  [`npm start flags (${flags.join(' ') || 'none'})`, flags],
  ["Node's defaults", []],
  // More flag sets to compare, e.g. FLAGS="--max-semi-space-size=1;--max-semi-space-size=1 --v8-pool-size=1"
  ...(process.env['FLAGS'] ?? '')
    .split(';')
    .filter((v) => v.trim() !== '')
    .map((v): [string, string[]] => [v.trim(), v.trim().split(/\s+/)]),
];
console.log(`memory at idle: the demo stream, nobody watching, ${IDLE_SECONDS} s idle (median of the last half), ${RUNS} runs each, Node ${process.version} ${process.arch}`);
const results = new Map<string, { sharecast: Sample[]; bare: Sample[] }>();
let snapshot: string | undefined;
for (let run = 0; run < RUNS; run++) {
  for (const [name, f] of variants) {
    const entry = results.get(name) ?? { sharecast: [], bare: [] };
    const s = await sharecastIdle(f, HEAP_SNAPSHOT && run === 0 && f === flags);
    if (s.snapshot && !snapshot) snapshot = s.snapshot;
    entry.sharecast.push(s);
    entry.bare.push(await bareIdle(f));
    results.set(name, entry);
  }
}
for (const [name, r] of results) {
  const show = (xs: Sample[]) => `RSS ${xs.map((x) => x.rss.toFixed(1)).join(', ')} MB (anonymous ${mb(percentile(xs.map((x) => x.anon), 50))}, file-backed ${mb(percentile(xs.map((x) => x.file), 50))})`;
  console.log(`  ${name}:`);
  console.log(`    sharecast, demo:   ${show(r.sharecast)}`);
  console.log(`    bare node:http:    ${show(r.bare)}`);
}
const ours = results.get(variants[0]?.[0] ?? '');
if (ours) {
  const worst = Math.max(...ours.sharecast.map((x) => x.rss));
  const bare = percentile(ours.bare.map((x) => x.rss), 50);
  console.log(`  worst run with the npm start flags: ${mb(worst)} (target <= 60 MB), ${mb(worst - bare)} above a bare node:http server`);
  record({
    id: 'memory.idle_rss',
    what: 'RSS, demo running, no viewers (npm start flags; worst run)',
    value: worst,
    unit: 'MB',
    target: { op: '<=', value: 60 },
    peer: { name: 'bare node:http', value: bare },
    command: 'npm run bench:memory',
  });
}
const defaults = results.get(variants[1]?.[0] ?? '');
if (defaults) {
  record({ id: 'memory.idle_rss_node_defaults', what: "RSS, demo running, no viewers (Node's default flags; worst run)", value: Math.max(...defaults.sharecast.map((x) => x.rss)), unit: 'MB', command: 'npm run bench:memory' });
}
if (process.env['PER_MODULE'] !== '0') {
  console.log(`\nper module (${flags.join(' ') || 'no flags'}; a module's share includes the packages it is first to load):`);
  console.log(perModule(flags));
}
if (snapshot) console.log(`\n${snapshot}`);
