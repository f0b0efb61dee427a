import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Histogram } from './stats.js';
import { ask as askChild } from './child-ask.js';

/** Orders for the soak's chat process (bench/lib/soak-chat-client.ts), and what it answers. */
export type ToChat = { cmd: 'start'; url: string; sockets: number; senders: number; everyMs: number } | { cmd: 'report'; reset: boolean } | { cmd: 'stop' };

export interface ChatReport {
  sent: number;
  delivered: number;
  delays: ReturnType<Histogram['toJSON']>;
  /** Sockets that never got their welcome. */
  failedOpens: number;
  /** Sockets the server closed (or that broke) while the bench was not stopping. */
  closes: number;
  errorFrames: Array<[string, number]>;
  /** Messages whose sender never saw them back within 10 s. */
  lost: number;
  /** Sockets open now. */
  open: number;
}

export type FromChat = { ev: 'started' } | { ev: 'report'; report: ChatReport } | { ev: 'stopped' };

function ask(child: ChildProcess, msg: ToChat, ev: FromChat['ev']): Promise<FromChat> {
  return askChild<ToChat, FromChat>(child, msg, ev, 'chat client');
}

/** Chat sockets in a process of their own: some talk, all listen. */
export class SoakChat {
  private constructor(private readonly child: ChildProcess) {}

  static async start(o: { url: string; sockets: number; senders: number; everyMs: number }): Promise<SoakChat> {
    const child = fork(join(import.meta.dirname, 'soak-chat-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    process.once('exit', () => child.kill('SIGKILL'));
    await ask(child, { cmd: 'start', ...o }, 'started');
    return new SoakChat(child);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async report(reset = false): Promise<ChatReport> {
    return ((await ask(this.child, { cmd: 'report', reset }, 'report')) as Extract<FromChat, { ev: 'report' }>).report;
  }

  async stop(): Promise<void> {
    await ask(this.child, { cmd: 'stop' }, 'stopped').catch(() => undefined);
    await new Promise((r) => (this.child.exitCode !== null ? r(null) : this.child.once('exit', r)));
  }
}
