import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { COMMAND_NAMES, Command, Dialect, HeaderFlag, NtStatus } from './constants.js';
import { CreditPool } from './credits.js';
import { isTransform, type SessionEncryption } from './encryption.js';
import { CompoundSignatureError, SmbError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { decodeHeader, encodeHeader, HEADER_SIZE, isSmb2, type Smb2Header } from './header.js';
import type { Signer } from './signing.js';
import { openSocket, type ConnectOptions } from './tcp.js';

/**
 * One TCP connection to an SMB2 server ([MS-SMB2] 2.1 direct TCP transport):
 * framing, message ids, credits, compound chains, signing or encryption,
 * STATUS_PENDING interim answers, and a deadline on every request. It knows
 * nothing of sessions or files; SmbClient drives it.
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

const MAX_FRAME = 0xffffff;
const TARGET_CREDITS = 256;
const UNSOLICITED_ID = 0xffffffffffffffffn;

export class SmbConnection extends EventEmitter<{ close: [error: Error] }> {
  /** Set by the client after NEGOTIATE: 2.0.2 has no credit charges. */
  dialect = 0;
  /** Set by the client after SESSION_SETUP. */
  sessionId = 0n;
  treeId = 0;
  /** Once set, every request is signed and every response must verify (unless encrypted). */
  signer: Signer | undefined;
  /** The session's encryption keys, once it has them (SMB 3.x with a cipher agreed). */
  encryption: SessionEncryption | undefined;
  /**
   * The session or the share requires encryption: every request goes out in
   * a TRANSFORM_HEADER, and every answer must come in one.
   */
  encryptAll = false;
  /** Requests and responses (counted per message) since the connection opened. */
  readonly counters = { requests: 0, responses: 0, bytesIn: 0, bytesOut: 0 };
  lastActivityAt = Date.now();

  private readonly socket: Socket;
  private nextMessageId = 0n;
  private readonly byMessageId = new Map<bigint, InFlight>();
  private readonly inFlight = new Set<InFlight>();
  private readonly credits = new CreditPool(() => this.inFlight.size);
  private readonly reader = new FrameReader();
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

  static async connect(opts: ConnectOptions): Promise<SmbConnection> {
    return new SmbConnection(await openSocket(opts));
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  get availableCredits(): number {
    return this.credits.available;
  }

  /** True when requests go out encrypted now. */
  get encrypting(): boolean {
    return this.encryptAll && this.encryption !== undefined;
  }

  /** Sends one message or a compound chain and waits for every answer. */
  async send(messages: OutgoingMessage[], opts: SendOptions): Promise<SendResult> {
    if (messages.length === 0) throw new Error('nothing to send');
    if (this.closedWith) throw this.closedWith;
    const charges = messages.map((m) => Math.max(1, m.creditCharge ?? 1));
    const need = charges.reduce((a, b) => a + b, 0);
    if (!this.credits.take(need)) await this.credits.wait(need, opts.signal);
    let sent: Promise<SendResult>;
    try {
      if (this.closedWith) throw this.closedWith;
      // Registers the request synchronously, before the reservation ends.
      sent = this.transmit(messages, charges, opts);
    } finally {
      this.credits.release();
    }
    return sent;
  }

  /** The bytes of one frame on the wire: the messages, encrypted as one when the session encrypts. */
  private wire(messages: Buffer[]): Buffer {
    const plain = messages.length === 1 ? (messages[0] as Buffer) : Buffer.concat(messages);
    const payload = this.encrypting ? (this.encryption as SessionEncryption).seal(plain) : plain;
    if (payload.length > MAX_FRAME) throw new SmbError('protocol', 'request too large for one SMB frame');
    const frame = Buffer.alloc(4);
    frame.writeUInt32BE(payload.length, 0);
    return Buffer.concat([frame, payload]);
  }

  /**
   * Numbers, signs (or encrypts) and writes the messages as one frame, and
   * registers them for their answers. An encrypted message is not signed
   * ([MS-SMB2] 3.2.4.1.1): the cipher's tag covers it.
   */
  private transmit(messages: OutgoingMessage[], charges: number[], opts: SendOptions): Promise<SendResult> {
    const sign = !this.encrypting && (opts.sign ?? true) && this.signer !== undefined;
    const ids: bigint[] = [];
    const buffers: Buffer[] = [];
    messages.forEach((m, i) => {
      const charge = charges[i] as number;
      const id = this.nextMessageId;
      this.nextMessageId += BigInt(charge);
      ids.push(id);
      const want = Math.min(1024, Math.max(charge, TARGET_CREDITS - this.credits.available));
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
    const wire = this.wire(buffers);

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
      this.counters.bytesOut += wire.length;
      this.lastActivityAt = Date.now();
      this.socket.write(wire);
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
      if (!this.encrypting) this.signer?.sign(msg);
      this.counters.requests++;
      this.socket.write(this.wire([msg]));
    });
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    this.lastActivityAt = Date.now();
    try {
      for (const frame of this.reader.push(chunk)) {
        if (this.closedWith) return;
        this.onFrame(frame);
      }
    } catch (err) {
      this.fail(err instanceof SmbError ? err : new SmbError('protocol', `bad message from the server: ${(err as Error).message}`));
    }
  }

  private onFrame(frame: Buffer): void {
    if (frame.length >= 4 && frame[0] === 0xff && frame[1] === 0x53 && frame[2] === 0x4d && frame[3] === 0x42) {
      throw new SmbError('protocol', 'the server answered in SMB1 only; sharecast needs SMB 2.0.2 or later');
    }
    if (isTransform(frame)) {
      if (!this.encryption) throw new SmbError('protocol', 'the server sent an encrypted message on a session without encryption keys');
      let plain: Buffer;
      try {
        plain = this.encryption.open(frame);
      } catch (err) {
        throw new SmbError('signature', (err as Error).message, { cause: err });
      }
      if (!isSmb2(plain)) throw new SmbError('protocol', 'an encrypted message from the server holds no SMB2 message');
      this.onChain(plain, true);
      return;
    }
    if (!isSmb2(frame)) throw new SmbError('protocol', 'the server sent a frame that is not SMB2');
    this.onChain(frame, false);
  }

  /** One message or a compound chain; `encrypted` when it came in a TRANSFORM_HEADER (and so needs no signature). */
  private onChain(frame: Buffer, encrypted: boolean): void {
    for (let at = 0; at < frame.length; ) {
      const header = decodeHeader(frame.subarray(at));
      const end = header.nextCommand ? at + header.nextCommand : frame.length;
      if (end > frame.length || end < at + HEADER_SIZE) throw new SmbError('protocol', 'bad compound chain from the server');
      this.onMessage({ header, raw: frame.subarray(at, end) }, encrypted);
      if (!header.nextCommand || this.closedWith) break;
      at = end;
    }
  }

  private onMessage(msg: IncomingMessage, encrypted: boolean): void {
    const { header } = msg;
    this.counters.responses++;
    this.credits.grant(header.credits);
    if (header.messageId === UNSOLICITED_ID) {
      // An oplock or lease break; this client never asks for either.
      this.credits.wake();
      return;
    }
    const entry = this.byMessageId.get(header.messageId);
    const interim = header.status === NtStatus.Pending && (header.flags & HeaderFlag.AsyncCommand) !== 0;
    if (entry) {
      if (!encrypted && this.encryptAll && !interim) {
        this.fail(new SmbError('protocol', `the server sent an unencrypted ${commandLabel(header.command)} response on an encrypted session`));
        return;
      }
      if (!encrypted && this.signer && header.command !== Command.Negotiate) {
        const signed = (header.flags & HeaderFlag.Signed) !== 0;
        if (signed && !this.signer.verify(msg.raw)) {
          const what = `the signature of a ${commandLabel(header.command)} response did not verify`;
          if (entry.messageIds.length > 1) {
            // Discarded; the connection stays: separate requests may verify where a chain did not.
            this.settle(entry, new CompoundSignatureError(`${what} (in a compound response)`));
            this.credits.wake();
            return;
          }
          this.fail(new SmbError('signature', what));
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
    this.credits.wake();
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.socket.destroy();
    for (const entry of [...this.inFlight]) this.settle(entry, err);
    this.credits.failAll(err);
    this.emit('close', err);
  }
}

function commandLabel(command: number): string {
  return COMMAND_NAMES[command] ?? `command ${command}`;
}
