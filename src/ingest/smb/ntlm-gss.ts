import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { rc4 } from './rc4.js';

/**
 * NTLM session security with extended session security ([MS-NLMP] 3.4.4,
 * 3.4.5): the signing and sealing keys, and the 16-byte message signature
 * GSS_GetMIC makes. SMB uses it once per sign-in, for SPNEGO's mechListMIC
 * over the list of offered mechanisms ([MS-SPNG] 3.1.5.1).
 */

export type Direction = 'client-to-server' | 'server-to-client';

const NEGOTIATE_128 = 0x20000000;
const NEGOTIATE_56 = 0x80000000;
const NEGOTIATE_KEY_EXCH = 0x40000000;

function magic(kind: 'signing' | 'sealing', direction: Direction): Buffer {
  return Buffer.from(`session key to ${direction} ${kind} key magic constant\0`, 'latin1');
}

/** SIGNKEY ([MS-NLMP] 3.4.5.2): MD5(ExportedSessionKey || magic). */
export function signKey(exportedSessionKey: Uint8Array, direction: Direction): Uint8Array {
  return new Uint8Array(createHash('md5').update(exportedSessionKey).update(magic('signing', direction)).digest());
}

/** SEALKEY ([MS-NLMP] 3.4.5.3): the session key cut to 128, 56 or 40 bits by the flags, then MD5 with the magic. */
export function sealKey(exportedSessionKey: Uint8Array, flags: number, direction: Direction): Uint8Array {
  const bytes = flags & NEGOTIATE_128 ? 16 : flags & NEGOTIATE_56 ? 7 : 5;
  return new Uint8Array(
    createHash('md5').update(exportedSessionKey.subarray(0, bytes)).update(magic('sealing', direction)).digest(),
  );
}

/**
 * NTLMSSP_MESSAGE_SIGNATURE for `message` ([MS-NLMP] 3.4.4.2): version 1, the
 * first 8 bytes of HMAC-MD5(SignKey, SeqNum || message), RC4-encrypted with
 * SealKey when key exchange was negotiated, and SeqNum. Each direction's
 * RC4 stream starts fresh here: this is the first message signed on it.
 */
export function messageSignature(exportedSessionKey: Uint8Array, flags: number, direction: Direction, seqNum: number, message: Uint8Array): Uint8Array {
  const seq = Buffer.alloc(4);
  seq.writeUInt32LE(seqNum >>> 0);
  let checksum: Uint8Array = new Uint8Array(
    createHmac('md5', signKey(exportedSessionKey, direction)).update(seq).update(message).digest().subarray(0, 8),
  );
  if (flags & NEGOTIATE_KEY_EXCH) checksum = rc4(sealKey(exportedSessionKey, flags, direction), checksum);
  const out = Buffer.alloc(16);
  out.writeUInt32LE(1, 0);
  Buffer.from(checksum).copy(out, 4);
  seq.copy(out, 12);
  return new Uint8Array(out);
}

/** True when `signature` is the server's signature of `message` (its first, sequence number 0). */
export function verifyServerSignature(exportedSessionKey: Uint8Array, flags: number, message: Uint8Array, signature: Uint8Array): boolean {
  const want = messageSignature(exportedSessionKey, flags, 'server-to-client', 0, message);
  return signature.length === want.length && timingSafeEqual(signature, want);
}
