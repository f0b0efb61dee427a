// A client process of chat sockets for bench/soak.ts, so the chat traffic
// never shares the server's process (or the bench's): SOCKETS page sockets
// on /ws, SENDERS of which send a chat message every EVERY ms (within the
// 3-per-2-s limit). It counts what goes wrong: sockets that failed to open or
// closed without being asked, error frames by code, and messages sent but
// never seen back. It takes its orders over IPC (bench/lib/soak-chat.ts).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Histogram } from './stats.js';
import type { ChatReport, FromChat, ToChat } from './soak-chat.js';

const now = () => performance.timeOrigin + performance.now();
const send = (m: FromChat) => process.send?.(m);
process.on('disconnect', () => process.exit(0));

let stopping = false;
const sockets: WebSocket[] = [];
const timers: NodeJS.Timeout[] = [];
let delays = new Histogram();
let sent = 0;
let delivered = 0;
let failedOpens = 0;
let closes = 0;
const errorFrames = new Map<string, number>();
/** Messages sent and not yet seen back by their sender: text -> time sent. */
const pending = new Map<string, number>();
let lost = 0;

function open(url: string, sender: boolean, everyMs: number, id: number): void {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
  let welcomed = false;
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"welcome"')) {
      welcomed = true;
      if (sender) {
        let n = 0;
        // Spread the senders over the interval.
        const start = setTimeout(() => {
          const tick = setInterval(() => {
            if (ws.readyState !== WebSocket.OPEN) return;
            const body = `soak:${id}:${n++}:${now()}`;
            pending.set(body, now());
            sent++;
            ws.send(JSON.stringify({ type: 'chat', text: body }));
          }, everyMs);
          timers.push(tick);
        }, (everyMs * id) / 16);
        timers.push(start);
      }
      return;
    }
    if (text.startsWith('{"type":"error"')) {
      const code = (JSON.parse(text) as { code: string }).code;
      errorFrames.set(code, (errorFrames.get(code) ?? 0) + 1);
      return;
    }
    if (!text.startsWith('{"type":"chat"') || !text.includes('"soak:')) return;
    const body = (JSON.parse(text) as { text: string }).text;
    delays.record(now() - Number(body.split(':')[3]));
    delivered++;
    // Its own copy back: the message went through.
    if (sender && body.startsWith(`soak:${id}:`)) pending.delete(body);
  });
  ws.on('error', () => {
    if (!welcomed && !stopping) failedOpens++;
  });
  ws.on('close', () => {
    if (!stopping && welcomed) closes++;
  });
  sockets.push(ws);
}

process.on('message', (m: ToChat) => {
  if (m.cmd === 'start') {
    for (let i = 0; i < m.sockets; i++) open(m.url, i < m.senders, m.everyMs, i);
    send({ ev: 'started' });
  } else if (m.cmd === 'report') {
    // A message not back after 10 s is lost.
    const old = now() - 10_000;
    for (const [body, at] of pending) if (at < old) (pending.delete(body), lost++);
    const report: ChatReport = { sent, delivered, delays: delays.toJSON(), failedOpens, closes, errorFrames: [...errorFrames.entries()], lost, open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length };
    send({ ev: 'report', report });
    if (m.reset) {
      delays = new Histogram();
      sent = delivered = failedOpens = closes = lost = 0;
      errorFrames.clear();
    }
  } else if (m.cmd === 'stop') {
    stopping = true;
    for (const t of timers) clearInterval(t);
    for (const ws of sockets) ws.terminate();
    send({ ev: 'stopped' });
    setTimeout(() => process.exit(0), 50);
  }
});
