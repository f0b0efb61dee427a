import { Dialect, GlobalCap, HASH_ALGORITHM_SHA512, NegotiateContextType } from './constants.js';
import { HEADER_SIZE } from './header.js';

const align8 = (n: number): number => (n + 7) & ~7;

export interface NegotiateRequest {
  dialects: readonly number[];
  securityMode: number;
  capabilities: number;
  clientGuid: Uint8Array;
  /** 32 random bytes for SMB 3.1.1's preauth integrity context. */
  preauthSalt: Uint8Array;
  /** SMB 3.1.1's ENCRYPTION_CAPABILITIES, most preferred first; none: the context is left out. */
  ciphers?: readonly number[];
}

function negotiateContext(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(data.length, 2);
  return Buffer.concat([head, data]);
}

/** SMB2 NEGOTIATE request body ([MS-SMB2] 2.2.3), with 3.1.1's negotiate contexts when offered. */
export function encodeNegotiateRequest(r: NegotiateRequest): Buffer {
  const with311 = r.dialects.includes(Dialect.Smb311);
  const fixed = Buffer.alloc(36 + 2 * r.dialects.length);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(r.dialects.length, 2);
  fixed.writeUInt16LE(r.securityMode, 4);
  fixed.writeUInt32LE(r.capabilities >>> 0, 8);
  Buffer.from(r.clientGuid).copy(fixed, 12, 0, 16);
  r.dialects.forEach((d, i) => fixed.writeUInt16LE(d, 36 + 2 * i));
  if (!with311) return fixed;

  // SMB2_PREAUTH_INTEGRITY_CAPABILITIES with SHA-512 ([MS-SMB2] 2.2.3.1.1).
  const preauth = Buffer.alloc(6 + r.preauthSalt.length);
  preauth.writeUInt16LE(1, 0);
  preauth.writeUInt16LE(r.preauthSalt.length, 2);
  preauth.writeUInt16LE(HASH_ALGORITHM_SHA512, 4);
  Buffer.from(r.preauthSalt).copy(preauth, 6);
  const contexts = [negotiateContext(NegotiateContextType.PreauthIntegrityCapabilities, preauth)];
  // SMB2_ENCRYPTION_CAPABILITIES ([MS-SMB2] 2.2.3.1.2).
  const ciphers = r.ciphers ?? [];
  if (ciphers.length > 0) {
    const enc = Buffer.alloc(2 + 2 * ciphers.length);
    enc.writeUInt16LE(ciphers.length, 0);
    ciphers.forEach((c, i) => enc.writeUInt16LE(c, 2 + 2 * i));
    contexts.push(negotiateContext(NegotiateContextType.EncryptionCapabilities, enc));
  }

  const contextOffset = align8(HEADER_SIZE + fixed.length);
  fixed.writeUInt32LE(contextOffset, 28);
  fixed.writeUInt16LE(contexts.length, 32);
  const parts: Buffer[] = [fixed, Buffer.alloc(contextOffset - HEADER_SIZE - fixed.length)];
  // Every context but the last is padded to 8 bytes.
  contexts.forEach((c, i) => {
    parts.push(c);
    if (i < contexts.length - 1) parts.push(Buffer.alloc(align8(c.length) - c.length));
  });
  return Buffer.concat(parts);
}

export interface NegotiateResponse {
  securityMode: number;
  dialect: number;
  serverGuid: Uint8Array;
  capabilities: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  securityBuffer: Uint8Array;
  /** For 3.1.1: the preauth hash algorithm the server chose, if it sent the context. */
  preauthHashAlgorithm: number | undefined;
  /** For 3.1.1: the signing algorithm, if the server sent SMB2_SIGNING_CAPABILITIES. */
  signingAlgorithm: number | undefined;
  /** For 3.1.1: the cipher the server chose (0: none in common), if it sent SMB2_ENCRYPTION_CAPABILITIES. */
  cipher: number | undefined;
}

/** SMB2 NEGOTIATE response ([MS-SMB2] 2.2.4). `msg` is the whole message, header first. */
export function decodeNegotiateResponse(msg: Buffer): NegotiateResponse {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 64 || b.readUInt16LE(0) !== 65) throw new Error('malformed NEGOTIATE response');
  const dialect = b.readUInt16LE(4);
  const secOff = b.readUInt16LE(56);
  const secLen = b.readUInt16LE(58);
  const securityBuffer = secLen > 0 ? msg.subarray(secOff, secOff + secLen) : Buffer.alloc(0);
  if (securityBuffer.length !== secLen) throw new Error('NEGOTIATE response security buffer is truncated');
  let preauthHashAlgorithm: number | undefined;
  let signingAlgorithm: number | undefined;
  let cipher: number | undefined;
  if (dialect === Dialect.Smb311) {
    const count = b.readUInt16LE(6);
    let at = b.readUInt32LE(60);
    for (let i = 0; i < count; i++) {
      at = align8(at);
      if (at + 8 > msg.length) throw new Error('NEGOTIATE response contexts are truncated');
      const type = msg.readUInt16LE(at);
      const len = msg.readUInt16LE(at + 2);
      const data = msg.subarray(at + 8, at + 8 + len);
      if (data.length !== len) throw new Error('NEGOTIATE response context is truncated');
      if (type === NegotiateContextType.PreauthIntegrityCapabilities && len >= 6) {
        preauthHashAlgorithm = data.readUInt16LE(4);
      } else if (type === NegotiateContextType.SigningCapabilities && len >= 4) {
        signingAlgorithm = data.readUInt16LE(2);
      } else if (type === NegotiateContextType.EncryptionCapabilities && len >= 4) {
        cipher = data.readUInt16LE(0) === 1 ? data.readUInt16LE(2) : 0;
      }
      at += 8 + len;
    }
  }
  return {
    securityMode: b.readUInt16LE(2),
    dialect,
    serverGuid: b.subarray(8, 24),
    capabilities: b.readUInt32LE(24),
    maxTransactSize: b.readUInt32LE(28),
    maxReadSize: b.readUInt32LE(32),
    maxWriteSize: b.readUInt32LE(36),
    securityBuffer,
    preauthHashAlgorithm,
    signingAlgorithm,
    cipher,
  };
}

/**
 * The client's capabilities: large MTU, and encryption whenever a 3.x dialect
 * is offered (3.0 and 3.0.2 servers look for the flag; a 3.1.1 server looks at
 * the encryption context instead).
 */
export function clientCapabilities(dialects: readonly number[]): number {
  const smb3 = dialects.some((d) => d === Dialect.Smb300 || d === Dialect.Smb302 || d === Dialect.Smb311);
  return smb3 ? GlobalCap.LargeMtu | GlobalCap.Encryption : GlobalCap.LargeMtu;
}
