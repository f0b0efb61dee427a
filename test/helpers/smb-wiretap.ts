import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy between an SMB client and server that reads the
 * direct-TCP framing both ways: it records whether each frame was plain SMB2
 * or encrypted (a TRANSFORM_HEADER), counts the client's requests by
 * command, and can rewrite the client's frames (to prove the server checks
 * what the client signs).
 */

export type FrameKind = 'smb2' | 'encrypted' | 'other';

export interface WiretapFrame {
  toServer: boolean;
  kind: FrameKind;
  /** Command names of a plain frame's messages (a compound chain has several). */
  commands: string[];
  length: number;
}

const COMMANDS: Record<number, string> = {
  0: 'NEGOTIATE',
  1: 'SESSION_SETUP',
  2: 'LOGOFF',
  3: 'TREE_CONNECT',
  4: 'TREE_DISCONNECT',
  5: 'CREATE',
  6: 'CLOSE',
  8: 'READ',
  12: 'CANCEL',
  13: 'ECHO',
  14: 'QUERY_DIRECTORY',
  15: 'CHANGE_NOTIFY',
  16: 'QUERY_INFO',
};

function commandsOf(frame: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 64 <= frame.length; ) {
    const c = frame.readUInt16LE(at + 12);
    out.push(COMMANDS[c] ?? `0x${c.toString(16)}`);
    const next = frame.readUInt32LE(at + 20);
    if (next === 0) break;
    at += next;
  }
  return out;
}

function kindOf(frame: Buffer): FrameKind {
  if (frame.length >= 4 && frame[1] === 0x53 && frame[2] === 0x4d && frame[3] === 0x42) {
    if (frame[0] === 0xfe) return 'smb2';
    if (frame[0] === 0xfd) return 'encrypted';
  }
  return 'other';
}

/** Splits a byte stream into SMB frames (4-byte length prefix), keeping the rest for later. */
class Framer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0) & 0xffffff;
      if (this.pending.length < 4 + len) break;
      frames.push(this.pending.subarray(4, 4 + len));
      this.pending = this.pending.subarray(4 + len);
    }
    return frames;
  }
}

function framed(frame: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(frame.length, 0);
  return Buffer.concat([head, frame]);
}

export interface WiretapOptions {
  /** Rewrites a frame the client sends (the frame without its length prefix); return it unchanged to pass it on. */
  rewrite?: (frame: Buffer) => Buffer;
  /** The same for frames the server sends. */
  rewriteFromServer?: (frame: Buffer) => Buffer;
}

export class SmbWiretap {
  readonly frames: WiretapFrame[] = [];
  /** What the client sent: frames (round trips) and SMB2 messages by command. */
  requestFrames = 0;
  requestMessages = 0;
  /** Bytes the server sent the client. */
  bytesToClient = 0;
  readonly byCommand = new Map<string, number>();
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  constructor(targetPort: number, opts: WiretapOptions = {}) {
    this.server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      this.open.add(client);
      this.open.add(upstream);
      const up = new Framer();
      const down = new Framer();
      client.on('data', (chunk: Buffer) => {
        for (const frame of up.push(chunk)) {
          const out = opts.rewrite ? opts.rewrite(frame) : frame;
          this.record(out, true);
          upstream.write(framed(out));
        }
      });
      upstream.on('data', (chunk: Buffer) => {
        this.bytesToClient += chunk.length;
        const { rewriteFromServer } = opts;
        if (!rewriteFromServer) client.write(chunk);
        for (const frame of down.push(chunk)) {
          const out = rewriteFromServer ? rewriteFromServer(frame) : frame;
          if (rewriteFromServer) client.write(framed(out));
          this.record(out, false);
        }
      });
      const end = (): void => {
        this.open.delete(client);
        this.open.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.frames.length = 0;
    this.requestFrames = 0;
    this.requestMessages = 0;
    this.bytesToClient = 0;
    this.byCommand.clear();
  }

  private record(frame: Buffer, toServer: boolean): void {
    const kind = kindOf(frame);
    const commands = kind === 'smb2' ? commandsOf(frame) : [];
    this.frames.push({ toServer, kind, commands, length: frame.length });
    if (!toServer) return;
    this.requestFrames++;
    // Encrypted requests are counted as one message each: their commands are hidden.
    if (kind !== 'smb2') {
      this.requestMessages++;
      return;
    }
    for (const name of commands) {
      this.requestMessages++;
      this.byCommand.set(name, (this.byCommand.get(name) ?? 0) + 1);
    }
  }
}
