// Chat broadcast: N WebSocket clients connected, one message sent, time until
// each client has it (written + fsync'd, then broadcast). Prints p50/p99 and
// the server's RSS for each N. Target: p99 <= 200 ms at 5,000 clients (2 cores).
//   npm run bench:chat                 (SIZES=1000,5000 ROUNDS=5 WORKERS=2 PEER=1)
// With PEER=1 (the default) the same sizes run again, in the same run, against
// a bare `ws` server (ws.send to every client, no disk),
// and the summary gives sharecast's p99 against it. Each message's line shows
// its p99, the sender's own copy (it joined last, so that is the whole
// broadcast), the server's CPU and how busy the whole machine was: the 2 cores
// are shared with the clients and anything else running.
// The clients live in WORKERS child processes so one client process is not the
// bottleneck; the server is the built sharecast (dist/) in its own process.
//
// Under abuse (MODE=abuse): GOOD clients each send a message every 800 ms
// (within the 3-per-2-s limit) while storms of STORM connections open all at
// once, one after the other, and, with FLOOD=1, a client sends
// {"type":"ping"} as fast as it can and reads the pongs. Prints the good
// clients' delivery delays (send to their own copy back) and whether they
// were ever rate-limited. Target: p99 <= 500 ms at STORM=3000, none limited.
//   MODE=abuse npm run bench:chat      (STORM=3000 FLOOD=1 GOOD=4 SECONDS=20 WORKERS=2)
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { cpuSeconds, machineJiffies, machineLoad, busyShare } from './lib/proc-stats.js';
import { npmStartFlags, startSharecast } from './lib/processes.js';
import { record } from './lib/report.js';
import { percentile } from './lib/stats.js';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const debug = (what: string) => {
  if (process.env['DEBUG']) console.error(`[${new Date().toISOString().slice(11, 23)} ${process.argv[2] ?? 'main'} ${process.pid}] ${what}`);
};

// ---------------------------------------------------------------- worker ----
type ToWorker = { cmd: 'connect'; url: string; count: number; batch?: number } | { cmd: 'report' } | { cmd: 'close' };
type FromWorker = { ev: 'connected'; ok: number; failed: number } | { ev: 'report'; delays: number[]; rounds: number[]; missing: number; dropped: number } | { ev: 'closed' };

async function worker(): Promise<void> {
  const sockets: WebSocket[] = [];
  const delays: number[] = [];
  /** The round of each delay (the message's second field). */
  const rounds: number[] = [];
  let dropped = 0;
  let expected = 0;
  const send = (m: FromWorker) => process.send?.(m);
  // The bench process went away (killed, crashed): do not linger.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (msg: ToWorker) => {
    if (msg.cmd === 'connect') {
      let ok = 0;
      let failed = 0;
      const batch = msg.batch ?? 100;
      for (let i = 0; i < msg.count; i += batch) {
        await Promise.all(
          Array.from({ length: Math.min(batch, msg.count - i) }, () =>
            new Promise<void>((done) => {
              const ws = new WebSocket(`${msg.url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
              // A socket that gets no welcome in 30 s counts as failed; the bench never hangs on one.
              const timer = setTimeout(() => {
                failed++;
                ws.terminate();
                resolve();
              }, 30_000);
              let settled = false;
              const resolve = () => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                done();
              };
              ws.on('message', (data) => {
                const at = now();
                const text = data.toString();
                if (text.startsWith('{"type":"welcome"')) {
                  ok++;
                  resolve();
                  return;
                }
                // Cheap check before parsing: only bench messages matter.
                if (!text.startsWith('{"type":"chat"') || !text.includes('"bench:')) return;
                const f = JSON.parse(text) as { type: string; text: string };
                if (f.type === 'chat') {
                  const [, round, sent] = f.text.split(':');
                  delays.push(at - Number(sent));
                  rounds.push(Number(round));
                }
              });
              ws.on('close', () => {
                dropped++;
                resolve();
              });
              ws.on('error', () => {
                failed++;
                resolve();
              });
              sockets.push(ws);
            }),
          ),
        );
      }
      expected = ok;
      debug(`connected ${ok}, failed ${failed}`);
      send({ ev: 'connected', ok, failed });
    } else if (msg.cmd === 'report') {
      send({ ev: 'report', delays: delays.splice(0), rounds: rounds.splice(0), missing: 0, dropped });
    } else if (msg.cmd === 'close') {
      for (const ws of sockets) ws.terminate();
      void expected;
      send({ ev: 'closed' });
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// ------------------------------------------------------------------ main ----
function request(child: ChildProcess, msg: ToWorker, ev: FromWorker['ev']): Promise<FromWorker> {
  return new Promise((resolve) => {
    const on = (m: FromWorker) => {
      if (m.ev !== ev) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

function procStatus(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m ? NaN : m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

async function main(): Promise<void> {
  const sizes = (process.env['SIZES'] ?? '1000,5000').split(',').map(Number);
  const rounds = Number(process.env['ROUNDS'] ?? 5);
  const workers = Number(process.env['WORKERS'] ?? 2);
  const largest = Math.max(...sizes);

  const limit = openFileLimit();
  // The server keeps one fd per client and accepts 70% of its limit; each worker holds its share.
  if (limit * 0.7 < largest + 50) {
    console.error(`bench: the open-file limit is ${limit}; the server accepts 70% of it (${Math.floor(limit * 0.7)}) and needs ${largest} sockets. Raise it first, e.g. \`ulimit -n ${Math.ceil((largest + 200) / 0.7)}\`.`);
    process.exit(1);
  }

  const dir = mkdtempSync(join(tmpdir(), 'sharecast-chat-bench-'));
  // The node flags users run (npm start's), as bench:viewers and bench:soak use.
  const relay = await startSharecast(['--data', join(dir, 'data'), '--admin-token', 'bench-admin-token-0123456789', '--source', 'demo'], { nodeArgs: npmStartFlags() });
  const pid = relay.child.pid as number;
  const load = machineLoad();
  // Whatever happens to this process, the server goes with it.
  process.on('exit', () => relay.child.kill('SIGKILL'));
  console.log(`chat broadcast bench: server pid ${pid} (flags ${npmStartFlags().join(' ')}${process.env['SERVER_NODE_ARGS'] ? ` ${process.env['SERVER_NODE_ARGS']}` : ''}), open-file limit ${limit}, ${workers} client processes, ${rounds} messages per size; load average at start ${load.load1.toFixed(2)}, ${load.load5.toFixed(2)}, ${load.load15.toFixed(2)} (2 cores)`);
  console.log(`server RSS at start: ${procStatus(pid, 'VmRSS').toFixed(1)} MB`);

  const results: string[] = [];
  const peerOn = process.env['PEER'] !== '0';
  const peer = peerOn ? await startPeer() : undefined;
  const peerP99 = new Map<number, number>();
  try {
    for (const [name, target] of [['sharecast', { url: relay.url, pid }], ...(peer ? [['bare ws', peer]] : [])] as Array<[string, { url: string; pid: number }]>) for (const n of sizes) {
      const isPeer = name !== 'sharecast';
      const children = Array.from({ length: workers }, () => fork(process.argv[1] as string, ['worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      const share = (i: number) => Math.floor(n / workers) + (i < n % workers ? 1 : 0);
      const t0 = Date.now();
      debug(`connecting ${n}`);
      const connected = (await Promise.all(children.map((c, i) => request(c, { cmd: 'connect', url: target.url, count: share(i) }, 'connected')))) as Extract<FromWorker, { ev: 'connected' }>[];
      const ok = connected.reduce((a, c) => a + c.ok, 0);
      const failed = connected.reduce((a, c) => a + c.failed, 0);
      console.log(`${name} N=${n}: ${ok} connected (${failed} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await sleep(2000); // let the viewer-count broadcast settle
      const rssIdle = procStatus(target.pid, 'VmRSS');

      const sender = new WebSocket(`${target.url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
      const own: number[] = [];
      // The sender's own join changes the viewer count, and that count goes to all N
      // sockets (at most once a second): wait until the sender has seen it, or the
      // first message would race a broadcast the bench itself caused.
      let countSeen: () => void = () => {};
      const settled = new Promise<void>((r) => (countSeen = r));
      sender.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"viewers"') && (JSON.parse(text) as { count: number }).count > ok) countSeen();
        if (text.startsWith('{"type":"chat"') && text.includes('"bench:')) own.push(now() - Number((JSON.parse(text) as { text: string }).text.split(':')[2]));
      });
      await Promise.race([settled, sleep(isPeer ? 1000 : 3000)]);
      await sleep(200);
      const cpu0 = cpuSeconds(target.pid);
      const m0 = machineJiffies();
      const t1 = performance.now();
      for (let r = 0; r < rounds; r++) {
        sender.send(JSON.stringify({ type: 'chat', text: `bench:${r}:${now()}` }));
        await sleep(1500); // within the rate limit (3 per 2 s), and lets each round finish
      }
      const serverCpu = (cpuSeconds(target.pid) - cpu0) / ((performance.now() - t1) / 1000);
      const machineBusy = busyShare(m0, machineJiffies());
      sender.close();
      debug('rounds done; collecting');
      const reports = (await Promise.all(children.map((c) => request(c, { cmd: 'report' }, 'report')))) as Extract<FromWorker, { ev: 'report' }>[];
      const delays = reports.flatMap((r) => r.delays);
      const roundOf = reports.flatMap((r) => r.rounds);
      const perRound = Array.from({ length: rounds }, (_, r) => percentile(delays.filter((_, i) => roundOf[i] === r), 99));
      const dropped = reports.reduce((a, r) => a + r.dropped, 0);
      const rssAfter = procStatus(target.pid, 'VmRSS');
      const hwm = procStatus(target.pid, 'VmHWM');
      const p99 = percentile(delays, 99);
      if (isPeer) peerP99.set(n, p99);
      const line =
        `${name} N=${n}: deliveries ${delays.length}/${ok * rounds}` +
        `  min=${Math.min(...delays).toFixed(1)} ms  p50=${percentile(delays, 50).toFixed(1)} ms  p99=${percentile(delays, 99).toFixed(1)} ms  max=${Math.max(...delays).toFixed(1)} ms` +
        `  server RSS ${rssIdle.toFixed(1)} MB idle with N clients, ${rssAfter.toFixed(1)} MB after (peak ${hwm.toFixed(1)} MB)` +
        (dropped > 0 ? `  dropped sockets: ${dropped}` : '') +
        `\n        p99 per message ${perRound.map((v) => v.toFixed(0)).join(', ')} ms; the sender's own copy (it joined last) ${own.map((d) => d.toFixed(0)).join(', ')} ms; server CPU ${(serverCpu * 100).toFixed(0)} % of a core, machine ${(machineBusy * 100).toFixed(0)} % busy`;
      const cmd = `SIZES=${n} npm run bench:chat`;
      if (!isPeer) record({ id: `chat.n${n}.p99`, what: `chat broadcast to ${n} sockets: delivery p99`, value: percentile(delays, 99), unit: 'ms', ...(n === 5000 ? { target: { op: '<=' as const, value: 200 } } : {}), command: cmd, note: `p50 ${percentile(delays, 50).toFixed(0)} ms; load ${load.load1.toFixed(1)} at start; clients in ${workers} processes on the same 2 cores` });
      if (!isPeer) record({ id: `chat.n${n}.rss`, what: `chat broadcast to ${n} sockets: server RSS (peak)`, value: hwm, unit: 'MB', command: cmd });
      console.log(line);
      results.push(line);
      debug('closing workers');
      await Promise.all(children.map((c) => request(c, { cmd: 'close' }, 'closed')));
      debug('workers closed');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
      debug('workers exited');
      // Wait for the server to see everyone leave before the next size.
      for (let i = 0; i < 100 && !isPeer; i++) {
        const body = (await (await fetch(`${relay.url}/api/viewers`)).json()) as { count: number };
        if (body.count <= 1) break;
        await sleep(200);
      }
    }
  } finally {
    peer?.child.kill();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nsummary (target: p99 <= 200 ms at N=5000; the peer is a bare ws server broadcasting with ws.send, no disk, measured in the same run):');
  for (const r of results) console.log(`  ${r}`);
  for (const [n, v] of peerP99) {
    const ours = Number(/sharecast N=\d+: .*?p99=([\d.]+) ms/.exec(results.find((r) => r.startsWith(`sharecast N=${n}:`)) ?? '')?.[1]);
    console.log(`  N=${n}: p99 sharecast ${ours.toFixed(0)} ms, bare ws ${v.toFixed(0)} ms: ${(ours / v).toFixed(2)}x`);
    record({ id: `chat.n${n}.p99_vs_bare_ws`, what: `chat broadcast to ${n} sockets: p99, sharecast vs a bare ws server`, value: ours, unit: 'ms', peer: { name: 'bare ws (ws.send per client, no disk)', value: v }, command: `SIZES=${n} npm run bench:chat` });
  }
}

/**
 * The peer: a bare `ws` server, the way a plain Node chat broadcasts (ws.send
 * to every client; no history, disk or limits), in a process of its own. It
 * speaks just enough of /ws for the clients: a welcome, each chat frame to all.
 */
function peerServer(): void {
  const server = createServer((_req, res) => res.end());
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  const welcome = JSON.stringify({ type: 'welcome' });
  wss.on('connection', (ws) => {
    ws.send(welcome);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type?: string; text?: string };
      if (f.type !== 'chat') return;
      const frame = JSON.stringify({ type: 'chat', text: f.text });
      for (const c of wss.clients) c.send(frame);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

async function startPeer(): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const child = fork(process.argv[1] as string, ['peer'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.on('exit', () => child.kill('SIGKILL'));
  const { port } = await new Promise<{ port: number }>((r) => child.once('message', r));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, child };
}

// ------------------------------------------------------------- abuse ----
/** A good client: sends `good:<time>` every `everyMs` until `until`, records the delay to its own copy. */
async function goodClient(wsUrl: string, everyMs: number, offsetMs: number, until: number): Promise<{ sent: number; delays: number[]; limited: number }> {
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  const delays: number[] = [];
  let limited = 0;
  let me = '';
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"rate_limited"')) limited++;
    if (!text.startsWith('{"type":"chat"') || !text.includes('"good:')) return;
    const f = JSON.parse(text) as { text: string; user: { id: string } };
    if (f.user.id === me) delays.push(now() - Number(f.text.split(':')[1]));
  });
  me = (JSON.parse((await new Promise<WebSocket.RawData>((r) => ws.once('message', r))).toString()) as { user: { id: string } }).user.id;
  await sleep(offsetMs);
  let sent = 0;
  while (Date.now() < until) {
    ws.send(JSON.stringify({ type: 'chat', text: `good:${now()}` }));
    sent++;
    await sleep(everyMs);
  }
  await sleep(2000);
  ws.close();
  return { sent, delays, limited };
}

/** Good clients' paced messages while storms of connections open at once and (FLOOD=1) a client floods pings. */
async function abuse(): Promise<void> {
  const storm = Number(process.env['STORM'] ?? 3000);
  const flood = process.env['FLOOD'] === '1';
  const seconds = Number(process.env['SECONDS'] ?? 20);
  const goods = Number(process.env['GOOD'] ?? 4);
  const workers = Number(process.env['WORKERS'] ?? 2);
  const limit = openFileLimit();
  if (limit * 0.7 < storm + goods + 50) {
    console.error(`bench: the open-file limit is ${limit}; raise it first, e.g. \`ulimit -n ${Math.ceil((storm + 200) / 0.7)}\`.`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-chat-bench-'));
  const relay = await startSharecast(['--data', join(dir, 'data'), '--admin-token', 'bench-admin-token-0123456789', '--source', 'demo']);
  process.on('exit', () => relay.child.kill('SIGKILL'));
  const wsUrl = `${relay.url.replace(/^http/, 'ws')}/ws`;
  console.log(`chat under abuse: server pid ${relay.child.pid}, ${goods} good clients (a message every 800 ms each), storms of ${storm} connections opening at once, ping flood ${flood ? 'on' : 'off'}, ${seconds} s`);
  try {
    const until = Date.now() + seconds * 1000;
    const good = Array.from({ length: goods }, (_, i) => goodClient(wsUrl, 800, (800 / goods) * i, until));
    // The flooder is a process of its own, so its pongs do not slow the good clients' process.
    const flooder = flood ? fork(process.argv[1] as string, ['flooder', wsUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : undefined;
    const floodReport = new Promise<string>((resolve) => flooder?.once('message', (m: { pongs: number; close: number | undefined }) => resolve(`flooder: ${m.pongs} pongs, ${m.close === undefined ? 'still connected' : `closed with ${m.close}`}`)));
    // Storm after storm while the good clients talk: connect them all at once, drop them, again.
    const storms: string[] = [];
    while (storm > 0 && Date.now() < until - 2000) {
      const children = Array.from({ length: workers }, () => fork(process.argv[1] as string, ['worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      const share = (i: number) => Math.floor(storm / workers) + (i < storm % workers ? 1 : 0);
      const t0 = Date.now();
      const rs = (await Promise.all(children.map((c, i) => request(c, { cmd: 'connect', url: relay.url, count: share(i), batch: share(i) }, 'connected')))) as Extract<FromWorker, { ev: 'connected' }>[];
      storms.push(`${rs.reduce((a, c) => a + c.ok, 0)}/${storm} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await Promise.all(children.map((c) => request(c, { cmd: 'close' }, 'closed')));
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    }
    const results = await Promise.all(good);
    const delays = results.flatMap((r) => r.delays);
    const sent = results.reduce((a, r) => a + r.sent, 0);
    const limited = results.reduce((a, r) => a + r.limited, 0);
    console.log(`storms: ${storms.join(', ') || 'none'}`);
    console.log(
      `good clients: ${delays.length}/${sent} delivered, rate_limited ${limited}` +
        (delays.length > 0 ? `  p50=${percentile(delays, 50).toFixed(1)} ms  p99=${percentile(delays, 99).toFixed(1)} ms  max=${Math.max(...delays).toFixed(1)} ms` : '') +
        (flooder ? `  ${await (flooder.send('report'), floodReport)}` : ''),
    );
    flooder?.kill();
  } finally {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends {"type":"ping"} as fast as the socket takes them and reads the pongs; reports when asked. */
async function flooder(wsUrl: string): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  let pongs = 0;
  let close: number | undefined;
  ws.on('close', (code) => (close = code));
  ws.on('error', () => {});
  process.on('message', () => process.send?.({ pongs, close }));
  await new Promise((r) => ws.once('message', r));
  ws.on('message', () => pongs++);
  const ping = JSON.stringify({ type: 'ping' });
  const pump = () => {
    for (let i = 0; i < 500 && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 1 << 20; i++) ws.send(ping);
    if (ws.readyState === WebSocket.OPEN) setImmediate(pump);
  };
  pump();
}

if (process.argv[2] === 'worker') void worker();
else if (process.argv[2] === 'peer') peerServer();
else if (process.argv[2] === 'flooder') void flooder(process.argv[3] as string);
else if (process.env['MODE'] === 'abuse') await abuse();
else await main();
