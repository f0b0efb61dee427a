import { HEADER_SIZE } from './header.js';

/** SESSION_SETUP, TREE_CONNECT, LOGOFF, TREE_DISCONNECT and ECHO bodies ([MS-SMB2] 2.2.5-2.2.12, 2.2.28). */

export function encodeSessionSetupRequest(securityMode: number, token: Uint8Array): Buffer {
  const b = Buffer.alloc(24 + token.length);
  b.writeUInt16LE(25, 0);
  b.writeUInt8(0, 2); // Flags: no binding
  b.writeUInt8(securityMode, 3);
  b.writeUInt32LE(0, 4); // Capabilities
  b.writeUInt32LE(0, 8); // Channel
  b.writeUInt16LE(HEADER_SIZE + 24, 12);
  b.writeUInt16LE(token.length, 14);
  b.writeBigUInt64LE(0n, 16); // PreviousSessionId
  Buffer.from(token).copy(b, 24);
  return b;
}

export interface SessionSetupResponse {
  sessionFlags: number;
  securityBuffer: Uint8Array;
}

export function decodeSessionSetupResponse(msg: Buffer): SessionSetupResponse {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 8 || b.readUInt16LE(0) !== 9) throw new Error('malformed SESSION_SETUP response');
  const off = b.readUInt16LE(4);
  const len = b.readUInt16LE(6);
  const securityBuffer = len > 0 ? msg.subarray(off, off + len) : Buffer.alloc(0);
  if (securityBuffer.length !== len) throw new Error('SESSION_SETUP response security buffer is truncated');
  return { sessionFlags: b.readUInt16LE(2), securityBuffer };
}

/** `path` is \\server\share. */
export function encodeTreeConnectRequest(path: string): Buffer {
  const name = Buffer.from(path, 'utf16le');
  const b = Buffer.alloc(8 + name.length);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(0, 2);
  b.writeUInt16LE(HEADER_SIZE + 8, 4);
  b.writeUInt16LE(name.length, 6);
  name.copy(b, 8);
  return b;
}

export interface TreeConnectResponse {
  shareType: number;
  shareFlags: number;
  capabilities: number;
  maximalAccess: number;
}

export function decodeTreeConnectResponse(msg: Buffer): TreeConnectResponse {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 16 || b.readUInt16LE(0) !== 16) throw new Error('malformed TREE_CONNECT response');
  return {
    shareType: b.readUInt8(2),
    shareFlags: b.readUInt32LE(4),
    capabilities: b.readUInt32LE(8),
    maximalAccess: b.readUInt32LE(12),
  };
}

/** LOGOFF, TREE_DISCONNECT and ECHO share this 4-byte body. */
export function encodeEmptyRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}
