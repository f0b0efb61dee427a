import { HeaderFlag } from './constants.js';

/** The SMB2 packet header ([MS-SMB2] 2.2.1), sync or async form. */
export const HEADER_SIZE = 64;
const PROTOCOL_ID = 0x424d53fe; // 0xFE 'S' 'M' 'B', read little-endian
export const SIGNATURE_OFFSET = 48;

export interface Smb2Header {
  creditCharge: number;
  /** NTSTATUS in responses; ChannelSequence/Reserved (0) in requests. */
  status: number;
  command: number;
  /** CreditRequest in requests, CreditResponse in responses. */
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  /** Set when the ASYNC flag is set. */
  asyncId: bigint | undefined;
  treeId: number;
  sessionId: bigint;
  signature: Uint8Array;
}

export function encodeHeader(h: Smb2Header): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeUInt32LE(PROTOCOL_ID, 0);
  b.writeUInt16LE(HEADER_SIZE, 4);
  b.writeUInt16LE(h.creditCharge, 6);
  b.writeUInt32LE(h.status >>> 0, 8);
  b.writeUInt16LE(h.command, 12);
  b.writeUInt16LE(h.credits, 14);
  b.writeUInt32LE(h.flags >>> 0, 16);
  b.writeUInt32LE(h.nextCommand >>> 0, 20);
  b.writeBigUInt64LE(h.messageId, 24);
  if (h.flags & HeaderFlag.AsyncCommand) {
    b.writeBigUInt64LE(h.asyncId ?? 0n, 32);
  } else {
    b.writeUInt32LE(0, 32);
    b.writeUInt32LE(h.treeId >>> 0, 36);
  }
  b.writeBigUInt64LE(h.sessionId, 40);
  Buffer.from(h.signature).copy(b, SIGNATURE_OFFSET, 0, 16);
  return b;
}

/** True when `buf` starts with an SMB2 header's protocol id. */
export function isSmb2(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0xfe && buf[1] === 0x53 && buf[2] === 0x4d && buf[3] === 0x42;
}

export function decodeHeader(buf: Buffer): Smb2Header {
  if (buf.length < HEADER_SIZE || !isSmb2(buf) || buf.readUInt16LE(4) !== HEADER_SIZE) {
    throw new Error('not an SMB2 message');
  }
  const flags = buf.readUInt32LE(16);
  const async = (flags & HeaderFlag.AsyncCommand) !== 0;
  return {
    creditCharge: buf.readUInt16LE(6),
    status: buf.readUInt32LE(8),
    command: buf.readUInt16LE(12),
    credits: buf.readUInt16LE(14),
    flags,
    nextCommand: buf.readUInt32LE(20),
    messageId: buf.readBigUInt64LE(24),
    asyncId: async ? buf.readBigUInt64LE(32) : undefined,
    treeId: async ? 0 : buf.readUInt32LE(36),
    sessionId: buf.readBigUInt64LE(40),
    signature: buf.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16),
  };
}
