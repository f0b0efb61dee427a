import { EventEmitter } from 'node:events';
import { ChangeNotifyFlag, Command, CreateOption, Dialect, FileInfoClass, NtStatus, QueryDirectoryFlag } from './constants.js';
import { SmbConnection, type IncomingMessage, type OutgoingMessage } from './connection.js';
import type { CipherName } from './encryption.js';
import { CompoundSignatureError } from './errors.js';
import { runFileChain, type FileStep } from './file-chain.js';
import {
  decodeCreateResponse,
  decodeDirectoryInformation,
  decodeNotifyInformation,
  decodeOutputBuffer,
  decodeReadResponse,
  decodeStandardInformation,
  encodeChangeNotifyRequest,
  encodeCloseRequest,
  encodeCreateRequest,
  encodeQueryDirectoryRequest,
  encodeQueryInfoRequest,
  encodeReadRequest,
  type DirectoryEntry,
  type FileId,
  type FileMeta,
  type NotifyEntry,
  type StandardInformation,
} from './file-messages.js';
import { handshake } from './handshake.js';
import { check } from './response-check.js';
import { encodeEmptyRequest } from './session-messages.js';
import type { SigningAlgorithm } from './signing.js';

/**
 * A focused, read-only SMB2/3 client: NEGOTIATE (2.0.2 to 3.1.1), NTLMv2
 * SESSION_SETUP with signing, TREE_CONNECT to one share, and CREATE / READ /
 * QUERY_INFO / QUERY_DIRECTORY / CLOSE / CHANGE_NOTIFY / ECHO, compounded where
 * that saves round trips, encrypted when the server requires it. Every
 * request has a deadline; when one passes, or the connection drops, the
 * client closes and emits 'close' once. Reconnecting is the caller's job (a
 * new client). When a compound response fails to verify, the client emits
 * 'compound-fallback' once and sends those requests separately from then on.
 */

export interface SmbClientOptions {
  host: string;
  port: number;
  share: string;
  /** Empty user and password sign in anonymously (guest shares). */
  user: string;
  password: string;
  domain: string;
  /** Deadline for each request. Default 5000 ms. */
  timeoutMs?: number;
  /** Dialects to offer. Default: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
  dialects?: readonly number[];
  /** Send ECHO after this long without traffic. Default 30 000 ms; 0 turns it off. */
  keepAliveMs?: number;
  /** Compound CREATE/READ/CLOSE into one round trip. Default true; false for a server known to sign them wrongly. */
  compound?: boolean;
  signal?: AbortSignal;
}

export interface SmbSessionInfo {
  dialect: number;
  dialectName: string;
  /** How requests are signed: 'none' only for guest and anonymous sessions. */
  signing: SigningAlgorithm | 'none';
  serverRequiresSigning: boolean;
  guest: boolean;
  anonymous: boolean;
  maxReadSize: number;
  /** Set when requests are encrypted: the cipher, and whether the session or the share requires it. */
  encryption: { cipher: CipherName; requiredBy: 'session' | 'share' } | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface FileHandle {
  fileId: FileId;
  meta: FileMeta;
}

export interface PollResult {
  meta: FileMeta;
  /** The first `readLength` bytes; undefined for a directory. */
  data: Buffer | undefined;
}

const KIB64 = 0x10000;

function creditCharge(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KIB64));
}

/** READ of the first `length` bytes of the chain's file. */
function readStep(length: number): FileStep {
  return { command: Command.Read, body: (fileId) => encodeReadRequest(fileId, 0, length), creditCharge: creditCharge(length) };
}

export class SmbClient extends EventEmitter<{ close: [error: Error]; 'compound-fallback': [error: Error] }> {
  readonly info: SmbSessionInfo;
  private readonly conn: SmbConnection;
  private readonly timeoutMs: number;
  private keepAlive: NodeJS.Timeout | undefined;
  private closing = false;
  private compound: boolean;

  private constructor(conn: SmbConnection, info: SmbSessionInfo, opts: SmbClientOptions) {
    super();
    this.conn = conn;
    this.info = info;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.compound = opts.compound ?? true;
    conn.once('close', (err) => {
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.emit('close', err);
    });
    const keepAliveMs = opts.keepAliveMs ?? 30_000;
    if (keepAliveMs > 0) {
      this.keepAlive = setInterval(() => {
        if (Date.now() - conn.lastActivityAt >= keepAliveMs) this.echo().catch(() => undefined);
      }, Math.max(250, Math.floor(keepAliveMs / 2)));
      this.keepAlive.unref();
    }
  }

  /** Connects, negotiates, signs in and connects to the share. */
  static async connect(opts: SmbClientOptions): Promise<SmbClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const conn = await SmbConnection.connect({ host: opts.host, port: opts.port, timeoutMs, signal: opts.signal });
    try {
      const info = await handshake(conn, opts, timeoutMs);
      return new SmbClient(conn, info, opts);
    } catch (err) {
      conn.destroy(err instanceof Error ? err : undefined);
      throw err;
    }
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  /** False once compound requests are sent apart (the option, or a compound response that did not verify). */
  get compounding(): boolean {
    return this.compound;
  }

  /** Messages and bytes sent and received on this connection. */
  get counters(): Readonly<SmbConnection['counters']> {
    return this.conn.counters;
  }

  private send(messages: OutgoingMessage[], opts: RequestOptions & { pendingTimeoutMs?: number } = {}): Promise<IncomingMessage[]> {
    return this.conn
      .send(messages, {
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        signal: opts.signal,
        pendingTimeoutMs: opts.pendingTimeoutMs,
      })
      .then((r) => r.responses);
  }

  /** CREATE, the steps, CLOSE: compounded, or apart once a compound response failed to verify. */
  private async fileChain(create: Buffer, steps: FileStep[], opts: RequestOptions): Promise<IncomingMessage[]> {
    const send = (messages: OutgoingMessage[]): Promise<IncomingMessage[]> => this.send(messages, opts);
    if (!this.compound) return runFileChain(send, create, steps, false);
    try {
      return await runFileChain(send, create, steps, true);
    } catch (err) {
      if (!(err instanceof CompoundSignatureError) || !this.compound) throw err;
      this.compound = false;
      this.emit('compound-fallback', err);
      return runFileChain(send, create, steps, false);
    }
  }

  /** How many bytes one READ may ask for now. */
  private chunkSize(reserve: number): number {
    const largeMtu = this.info.dialect !== Dialect.Smb202;
    const max = largeMtu ? Math.min(this.info.maxReadSize, 4 * 1024 * 1024) : Math.min(this.info.maxReadSize, KIB64);
    const byCredits = Math.max(1, this.conn.availableCredits - reserve) * KIB64;
    return Math.max(KIB64, Math.min(max, byCredits));
  }

  /** Metadata of a file or folder: CREATE + CLOSE in one round trip. */
  async stat(path: string, opts: RequestOptions = {}): Promise<FileMeta> {
    const [create, close] = await this.fileChain(encodeCreateRequest({ path }), [], opts);
    const meta = decodeCreateResponse(check(create).raw);
    check(close);
    return strip(meta);
  }

  /**
   * One round trip: CREATE + READ(0, readLength) + CLOSE. Answers what the
   * file (or folder) is now and its first bytes: the cheap "did it change?"
   * question a poller asks.
   */
  async poll(path: string, readLength: number, opts: RequestOptions = {}): Promise<PollResult> {
    const length = Math.min(readLength, this.chunkSize(2));
    const [create, read, close] = await this.fileChain(encodeCreateRequest({ path }), [readStep(length)], opts);
    const meta = strip(decodeCreateResponse(check(create).raw));
    check(close);
    if (meta.isDirectory) return { meta, data: undefined };
    const r = check(read, NtStatus.EndOfFile);
    const data = r.header.status === NtStatus.EndOfFile ? Buffer.alloc(0) : decodeReadResponse(r.raw);
    return { meta, data: Buffer.from(data) };
  }

  /**
   * Reads a whole file. Small files take one round trip (CREATE + READ +
   * CLOSE); larger ones are then read in parallel chunks on a second handle.
   * The result's `meta.endOfFile` is the size the server reported, which the
   * caller compares with `data.length`. A file over `maxBytes` is not read
   * past its first chunk.
   */
  async readFile(path: string, opts: RequestOptions & { maxBytes?: number } = {}): Promise<{ data: Buffer; meta: FileMeta }> {
    const first = this.chunkSize(2);
    const [create, read, close] = await this.fileChain(
      encodeCreateRequest({ path, createOptions: CreateOption.NonDirectoryFile }),
      [readStep(first)],
      opts,
    );
    const meta = strip(decodeCreateResponse(check(create).raw));
    check(close);
    const r = check(read, NtStatus.EndOfFile);
    const head = r.header.status === NtStatus.EndOfFile ? Buffer.alloc(0) : decodeReadResponse(r.raw);
    // Done, or too big to be worth reading on (the caller sees the size and refuses).
    if (BigInt(head.length) >= meta.endOfFile || head.length < first || (opts.maxBytes !== undefined && meta.endOfFile > BigInt(opts.maxBytes))) {
      return { data: Buffer.from(head), meta };
    }
    // Larger than one READ: open again and read the rest in parallel.
    const handle = await this.open(path, CreateOption.NonDirectoryFile, opts);
    try {
      const size = Number(handle.meta.endOfFile);
      const same = handle.meta.endOfFile === meta.endOfFile && handle.meta.lastWriteTime === meta.lastWriteTime;
      const data = Buffer.alloc(size);
      let filled = 0;
      if (same) {
        head.copy(data, 0, 0, Math.min(head.length, size));
        filled = Math.min(head.length, size);
      }
      const got = await this.readRange(handle.fileId, data, filled, size, opts);
      return { data: got < size ? data.subarray(0, got) : data, meta: handle.meta };
    } finally {
      await this.closeHandle(handle.fileId, opts).catch(() => undefined);
    }
  }

  /** Fills `into` from `from` to `to` with parallel READs; returns where the data really ended. */
  private async readRange(fileId: FileId, into: Buffer, from: number, to: number, opts: RequestOptions): Promise<number> {
    let next = from;
    let end = to;
    const worker = async (): Promise<void> => {
      while (next < end) {
        const offset = next;
        const length = Math.min(this.chunkSize(1), end - offset);
        next += length;
        const data = await this.read(fileId, offset, length, opts);
        data.copy(into, offset);
        if (data.length < length) end = Math.min(end, offset + data.length);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return Math.min(end, to);
  }

  async open(path: string, createOptions = 0, opts: RequestOptions = {}): Promise<FileHandle> {
    const [create] = await this.send([{ command: Command.Create, body: encodeCreateRequest({ path, createOptions }) }], opts);
    const c = decodeCreateResponse(check(create).raw);
    return { fileId: c.fileId, meta: strip(c) };
  }

  /** Up to `length` bytes at `offset`; fewer at the end of the file, none past it. */
  async read(fileId: FileId, offset: number, length: number, opts: RequestOptions = {}): Promise<Buffer> {
    const [read] = await this.send(
      [{ command: Command.Read, body: encodeReadRequest(fileId, offset, length), creditCharge: creditCharge(length) }],
      opts,
    );
    const r = check(read, NtStatus.EndOfFile);
    return r.header.status === NtStatus.EndOfFile ? Buffer.alloc(0) : Buffer.from(decodeReadResponse(r.raw));
  }

  async queryStandardInfo(fileId: FileId, opts: RequestOptions = {}): Promise<StandardInformation> {
    const [q] = await this.send(
      [{ command: Command.QueryInfo, body: encodeQueryInfoRequest(fileId, FileInfoClass.FileStandardInformation, 24) }],
      opts,
    );
    return decodeStandardInformation(decodeOutputBuffer(check(q).raw, 'QUERY_INFO'));
  }

  async closeHandle(fileId: FileId, opts: RequestOptions = {}): Promise<void> {
    const [c] = await this.send([{ command: Command.Close, body: encodeCloseRequest(fileId) }], opts);
    check(c);
  }

  /**
   * Lists a folder (names matching `pattern`, '.' and '..' left out). Usually
   * one round trip: CREATE + QUERY_DIRECTORY + CLOSE; a listing too long for
   * one answer is read on to the end.
   */
  async readdir(path: string, pattern = '*', opts: RequestOptions = {}): Promise<DirectoryEntry[]> {
    const outputLength = KIB64;
    const query: FileStep = {
      command: Command.QueryDirectory,
      body: (fileId) => encodeQueryDirectoryRequest(fileId, pattern, FileInfoClass.FileDirectoryInformation, QueryDirectoryFlag.RestartScans, outputLength),
    };
    const [create, listing, close] = await this.fileChain(encodeCreateRequest({ path, createOptions: CreateOption.DirectoryFile }), [query], opts);
    check(create);
    check(close);
    const q = check(listing, NtStatus.NoSuchFile, NtStatus.NoMoreFiles);
    if (q.header.status !== NtStatus.Success) return [];
    const buf = decodeOutputBuffer(q.raw, 'QUERY_DIRECTORY');
    if (buf.length + 1024 <= outputLength) return visible(decodeDirectoryInformation(buf));
    return this.readdirAll(path, pattern, opts);
  }

  private async readdirAll(path: string, pattern: string, opts: RequestOptions): Promise<DirectoryEntry[]> {
    const handle = await this.open(path, CreateOption.DirectoryFile, opts);
    try {
      const out: DirectoryEntry[] = [];
      for (let flags: number = QueryDirectoryFlag.RestartScans; ; flags = 0) {
        const [q] = await this.send(
          [
            {
              command: Command.QueryDirectory,
              body: encodeQueryDirectoryRequest(handle.fileId, pattern, FileInfoClass.FileDirectoryInformation, flags, KIB64),
            },
          ],
          opts,
        );
        const r = check(q, NtStatus.NoSuchFile, NtStatus.NoMoreFiles);
        if (r.header.status !== NtStatus.Success) break;
        out.push(...decodeDirectoryInformation(decodeOutputBuffer(r.raw, 'QUERY_DIRECTORY')));
      }
      return visible(out);
    } finally {
      await this.closeHandle(handle.fileId, opts).catch(() => undefined);
    }
  }

  /**
   * Waits for a change in an open folder (CHANGE_NOTIFY). The server answers
   * STATUS_PENDING at once and the real answer when something changes; this
   * waits without a deadline until then or until `signal` aborts (which
   * sends CANCEL).
   */
  async changeNotify(fileId: FileId, filter: number, opts: { signal?: AbortSignal; watchTree?: boolean } = {}): Promise<NotifyEntry[]> {
    const [n] = await this.send(
      [{ command: Command.ChangeNotify, body: encodeChangeNotifyRequest(fileId, filter, opts.watchTree ? ChangeNotifyFlag.WatchTree : 0, KIB64) }],
      { signal: opts.signal, pendingTimeoutMs: Number.POSITIVE_INFINITY },
    );
    const r = check(n, NtStatus.NotifyEnumDir);
    if (r.header.status === NtStatus.NotifyEnumDir) return [];
    return decodeNotifyInformation(decodeOutputBuffer(r.raw, 'CHANGE_NOTIFY'));
  }

  /** ECHO: the keep-alive, and a cheap "is the server still there?". */
  async echo(opts: RequestOptions = {}): Promise<void> {
    const [e] = await this.send([{ command: Command.Echo, body: encodeEmptyRequest() }], opts);
    check(e);
  }

  /** Disconnects from the share, logs off and closes the connection. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (!this.conn.closed) {
      try {
        await this.send([{ command: Command.TreeDisconnect, body: encodeEmptyRequest() }], { timeoutMs: 1000 });
        await this.send([{ command: Command.Logoff, body: encodeEmptyRequest() }], { timeoutMs: 1000 });
      } catch {
        // The connection goes anyway.
      }
    }
    this.conn.destroy();
  }
}

function strip<T extends FileMeta>(m: T): FileMeta {
  return {
    creationTime: m.creationTime,
    lastAccessTime: m.lastAccessTime,
    lastWriteTime: m.lastWriteTime,
    changeTime: m.changeTime,
    allocationSize: m.allocationSize,
    endOfFile: m.endOfFile,
    attributes: m.attributes,
    isDirectory: m.isDirectory,
  };
}

function visible(entries: DirectoryEntry[]): DirectoryEntry[] {
  return entries.filter((e) => e.name !== '.' && e.name !== '..');
}
