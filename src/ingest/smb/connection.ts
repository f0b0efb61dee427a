import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { COMMAND_NAMES, Command, Dialect, HeaderFlag, NtStatus } from './constants.js';
import { SmbError } from './errors.js';
import { decodeHeader, encodeHeader, HEADER_SIZE, isSmb2, type Smb2Header } from './header.js';
import type { Signer } from './signing.js';

/**
 * One TCP connection to an SMB2 server ([MS-SMB2] 2.1 direct TCP transport):
 * framing, message ids, credits, compound chains, signing, STATUS_PENDING
 * interim answers, and a deadline on every request. It knows nothing of
 * sessions or files; SmbClient drives it.
 */

export interface OutgoingMessage {
  command: number;
  body: Buffer;
  /** Credits the message costs: one per 64 KiB of payload ([MS-SMB2] 3.1.5.2). Default 1. */
  creditCharge?: number;
  /** Part of a related compound chain (not the first message). */
  related?: boolean;
  /** Overrides the connection's tree id (0 before TREE_CONNECT). */
  treeId?: number;
}

export interface IncomingMessage {
  header: Smb2Header;
  /** The whole message, header first (offsets in bodies count from its start). */
  raw: Buffer;
}

export interface SendOptions {
  /** Deadline for the answer. */
  timeoutMs: number;
  /** Deadline once the server has answered STATUS_PENDING. Default: 30 s or timeoutMs, whichever is longer. */
  pendingTimeoutMs?: number;
  signal?: AbortSignal;
  /** Sign these messages (default: whenever the connection has a signer). */
  sign?: boolean;
}

export interface SendResult {
  /** Each message as it went out (signed), for the preauth integrity hash. */
  requests: Buffer[];
  responses: IncomingMessage[];
}

interface InFlight {
  messageIds: bigint[];
  responses: (IncomingMessage | undefined)[];
  remaining: number;
  asyncIds: Map<bigint, bigint>;
  resolve: (r: IncomingMessage[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  pendingTimeoutMs: number;
  cleanup: () => void;
}

interface CreditWaiter {
  need: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const MAX_FRAME = 0xffffff;
const TARGET_CREDITS = 256;
const UNSOLICITED_ID = 0xffffffffffffffffn;

export interface ConnectOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class SmbConnection extends EventEmitter<{ close: [error: Error] }> {
  /** Set by the client after NEGOTIATE: 2.0.2 has no credit charges. */
  dialect = 0;
  /** Set by the client after SESSION_SETUP. */
  sessionId = 0n;
  treeId = 0;
  /** Once set, every request is signed and every response must verify. */
  signer: Signer | undefined;
  /** Requests and responses (counted per message) since the connection opened. */
  readonly counters = { requests: 0, responses: 0, bytesIn: 0, bytesOut: 0 };
  lastActivityAt = Date.now();

  private readonly socket: Socket;
  private credits = 1;
  private reserved = 0;
  private nextMessageId = 0n;
  private readonly byMessageId = new Map<bigint, InFlight>();
  private readonly inFlight = new Set<InFlight>();
  private readonly creditWaiters: CreditWaiter[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closedWith: Error | undefined;

  private constructor(socket: Socket) {
    super();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new SmbError('connection', `connection to the SMB server failed: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new SmbError('connection', 'the SMB server closed the connection')));
  }

  static connect(opts: ConnectOptions): Promise<SmbConnection> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: opts.host, port: opts.port });
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.removeListener('error', onError);
        socket.removeListener('connect', onConnect);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(new SmbConnection(socket));
      };
      const onError = (err: NodeJS.ErrnoException): void =>
        done(new SmbError('connection', `cannot connect to ${opts.host}:${opts.port}: ${err.code ?? err.message}`, { cause: err }));
      const onConnect = (): void => done();
      const onAbort = (): void => done(new SmbError('aborted', 'connect aborted'));
      const timer = setTimeout(
        () => done(new SmbError('timeout', `no TCP connection to ${opts.host}:${opts.port} within ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      );
      socket.once('error', onError);
      socket.once('connect', onConnect);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  get availableCredits(): number {
    return this.credits;
  }

  /** Sends one message or a compound chain and waits for every answer. */
  async send(messages: OutgoingMessage[], opts: SendOptions): Promise<SendResult> {
    if (messages.length === 0) throw new Error('nothing to send');
    if (this.closedWith) throw this.closedWith;
    const charges = messages.map((m) => Math.max(1, m.creditCharge ?? 1));
    const need = charges.reduce((a, b) => a + b, 0);
    // Credits in hand count as "in flight" until the request is registered,
    // so nobody concludes that no answer (and no credit) is coming.
    if (!this.takeCredits(need)) await this.waitForCredits(need, opts.signal);
    let sent: Promise<SendResult>;
    try {
      if (this.closedWith) throw this.closedWith;
      // Registers the request synchronously, before the reservation ends.
      sent = this.transmit(messages, charges, opts);
    } finally {
      this.reserved--;
      this.wakeCreditWaiters();
    }
    return sent;
  }

  /** Numbers, signs and writes the messages as one frame, and registers them for their answers. */
  private transmit(messages: OutgoingMessage[], charges: number[], opts: SendOptions): Promise<SendResult> {
    const sign = (opts.sign ?? true) && this.signer !== undefined;
    const ids: bigint[] = [];
    const buffers: Buffer[] = [];
    messages.forEach((m, i) => {
      const charge = charges[i] as number;
      const id = this.nextMessageId;
      this.nextMessageId += BigInt(charge);
      ids.push(id);
      const want = Math.min(1024, Math.max(charge, TARGET_CREDITS - this.credits));
      const header = encodeHeader({
        creditCharge: this.dialect === Dialect.Smb202 ? 0 : m.command === Command.Negotiate ? 0 : charge,
        status: 0,
        command: m.command,
        credits: want,
        flags: i > 0 && m.related ? HeaderFlag.RelatedOperations : 0,
        nextCommand: 0,
        messageId: id,
        asyncId: undefined,
        treeId: m.treeId ?? this.treeId,
        sessionId: this.sessionId,
        signature: new Uint8Array(16),
      });
      let msg = Buffer.concat([header, m.body]);
      if (i < messages.length - 1) {
        const padded = (msg.length + 7) & ~7;
        if (padded > msg.length) msg = Buffer.concat([msg, Buffer.alloc(padded - msg.length)]);
        msg.writeUInt32LE(msg.length, 20);
      }
      if (sign) this.signer?.sign(msg);
      buffers.push(msg);
    });
    const total = buffers.reduce((a, b) => a + b.length, 0);
    if (total > MAX_FRAME) throw new SmbError('protocol', 'request too large for one SMB frame');
    const frame = Buffer.alloc(4);
    frame.writeUInt32BE(total, 0);

    const responses = new Promise<IncomingMessage[]>((resolve, reject) => {
      const entry: InFlight = {
        messageIds: ids,
        responses: ids.map(() => undefined),
        remaining: ids.length,
        asyncIds: new Map(),
        resolve,
        reject,
        timer: undefined,
        pendingTimeoutMs: opts.pendingTimeoutMs ?? Math.max(30_000, opts.timeoutMs),
        cleanup: () => undefined,
      };
      const onAbort = (): void => {
        this.sendCancels(entry);
        this.settle(entry, new SmbError('aborted', 'request aborted'));
      };
      entry.cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
      this.arm(entry, opts.timeoutMs, messages[0]?.command ?? 0);
      for (const id of ids) this.byMessageId.set(id, entry);
      this.inFlight.add(entry);
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.counters.requests += buffers.length;
      this.counters.bytesOut += total + 4;
      this.lastActivityAt = Date.now();
      this.socket.write(Buffer.concat([frame, ...buffers]));
    });
    return responses.then((r) => ({ requests: buffers, responses: r }));
  }

  /** Closes the TCP connection; everything in flight fails. */
  destroy(reason?: Error): void {
    this.fail(reason ?? new SmbError('aborted', 'connection closed by the client'));
  }

  private arm(entry: InFlight, ms: number, command: number): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (!Number.isFinite(ms)) {
      entry.timer = undefined;
      return;
    }
    entry.timer = setTimeout(() => {
      const err = new SmbError('timeout', `the SMB server did not answer ${commandLabel(command)} within ${ms} ms`);
      // A server that stopped answering one request cannot be trusted with the next.
      this.fail(err);
    }, ms);
  }

  private settle(entry: InFlight, result: Error | IncomingMessage[]): void {
    if (!this.inFlight.delete(entry)) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.cleanup();
    for (const id of entry.messageIds) {
      // Keep aborted ids mapped to nothing: a late answer only returns credits.
      if (this.byMessageId.get(id) === entry) this.byMessageId.delete(id);
    }
    if (result instanceof Error) entry.reject(result);
    else entry.resolve(result);
  }

  private sendCancels(entry: InFlight): void {
    if (this.closedWith) return;
    entry.messageIds.forEach((id, i) => {
      if (entry.responses[i]) return;
      const asyncId = entry.asyncIds.get(id);
      const header = encodeHeader({
        creditCharge: 0,
        status: 0,
        command: Command.Cancel,
        credits: 0,
        flags: asyncId !== undefined ? HeaderFlag.AsyncCommand : 0,
        nextCommand: 0,
        messageId: id,
        asyncId,
        treeId: this.treeId,
        sessionId: this.sessionId,
        signature: new Uint8Array(16),
      });
      const body = Buffer.alloc(4);
      body.writeUInt16LE(4, 0);
      const msg = Buffer.concat([header, body]);
      this.signer?.sign(msg);
      const frame = Buffer.alloc(4);
      frame.writeUInt32BE(msg.length, 0);
      this.counters.requests++;
      this.socket.write(Buffer.concat([frame, msg]));
    });
  }

  /** Takes `need` credits if there are enough and nobody is queued before us. */
  private takeCredits(need: number): boolean {
    if (this.creditWaiters.length > 0 || this.credits < need) return false;
    this.credits -= need;
    this.reserved++;
    return true;
  }

  /** Requests registered or about to be: answers (and credits) may still come. */
  private get busy(): boolean {
    return this.inFlight.size > 0 || this.reserved > 0;
  }

  /** Waits until answers return enough credits; fails if none can come. */
  private waitForCredits(need: number, signal?: AbortSignal): Promise<void> {
    if (!this.busy) {
      return Promise.reject(new SmbError('protocol', `the server granted ${this.credits} credits; ${need} are needed`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.creditWaiters.indexOf(waiter);
        if (i >= 0) this.creditWaiters.splice(i, 1);
        reject(new SmbError('aborted', 'request aborted'));
      };
      const waiter: CreditWaiter = {
        need,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      this.creditWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wakeCreditWaiters(): void {
    while (this.creditWaiters.length > 0) {
      const w = this.creditWaiters[0] as CreditWaiter;
      if (this.credits >= w.need) {
        this.creditWaiters.shift();
        this.credits -= w.need;
        this.reserved++;
        w.resolve();
        continue;
      }
      if (this.busy) return;
      this.creditWaiters.shift();
      w.reject(new SmbError('protocol', `the server granted ${this.credits} credits; ${w.need} are needed`));
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.counters.bytesIn += chunk.length;
    this.lastActivityAt = Date.now();
    while (this.buffered >= 4 && !this.closedWith) {
      const head = this.peek(4);
      if (head[0] !== 0) {
        this.fail(new SmbError('protocol', 'the server sent something that is not an SMB2 frame'));
        return;
      }
      const length = head.readUInt32BE(0) & 0xffffff;
      if (this.buffered < 4 + length) return;
      const all = this.take(4 + length);
      try {
        this.onFrame(all.subarray(4));
      } catch (err) {
        this.fail(err instanceof SmbError ? err : new SmbError('protocol', `bad message from the server: ${(err as Error).message}`));
        return;
      }
    }
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).length < n) {
      this.chunks = [Buffer.concat(this.chunks)];
    }
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private onFrame(frame: Buffer): void {
    if (frame.length >= 4 && frame[0] === 0xff && frame[1] === 0x53 && frame[2] === 0x4d && frame[3] === 0x42) {
      throw new SmbError('protocol', 'the server answered in SMB1 only; sharecast needs SMB 2.0.2 or later');
    }
    if (frame.length >= 4 && frame[0] === 0xfd && frame[1] === 0x53) {
      throw new SmbError('protocol', 'the server sent an encrypted message; sharecast does not support SMB3 encryption');
    }
    if (!isSmb2(frame)) throw new SmbError('protocol', 'the server sent a frame that is not SMB2');
    for (let at = 0; at < frame.length; ) {
      const header = decodeHeader(frame.subarray(at));
      const end = header.nextCommand ? at + header.nextCommand : frame.length;
      if (end > frame.length || end < at + HEADER_SIZE) throw new SmbError('protocol', 'bad compound chain from the server');
      this.onMessage({ header, raw: frame.subarray(at, end) });
      if (!header.nextCommand) break;
      at = end;
    }
  }

  private onMessage(msg: IncomingMessage): void {
    const { header } = msg;
    this.counters.responses++;
    this.credits += header.credits;
    if (header.messageId === UNSOLICITED_ID) {
      // An oplock or lease break; this client never asks for either.
      this.wakeCreditWaiters();
      return;
    }
    const entry = this.byMessageId.get(header.messageId);
    const interim = header.status === NtStatus.Pending && (header.flags & HeaderFlag.AsyncCommand) !== 0;
    if (entry) {
      if (this.signer && header.command !== Command.Negotiate) {
        const signed = (header.flags & HeaderFlag.Signed) !== 0;
        if (signed && !this.signer.verify(msg.raw)) {
          this.fail(new SmbError('signature', `the signature of a ${commandLabel(header.command)} response did not verify`));
          return;
        }
        if (!signed && !interim) {
          this.fail(new SmbError('signature', `the server sent an unsigned ${commandLabel(header.command)} response on a signed session`));
          return;
        }
      }
      if (interim) {
        entry.asyncIds.set(header.messageId, header.asyncId ?? 0n);
        this.arm(entry, entry.pendingTimeoutMs, header.command);
      } else {
        const i = entry.messageIds.indexOf(header.messageId);
        if (i >= 0 && !entry.responses[i]) {
          entry.responses[i] = msg;
          entry.remaining--;
          if (entry.remaining === 0) this.settle(entry, entry.responses as IncomingMessage[]);
        }
      }
    }
    this.wakeCreditWaiters();
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.socket.destroy();
    for (const entry of [...this.inFlight]) this.settle(entry, err);
    for (const w of this.creditWaiters.splice(0)) w.reject(err);
    this.emit('close', err);
  }
}

function commandLabel(command: number): string {
  return COMMAND_NAMES[command] ?? `command ${command}`;
}
