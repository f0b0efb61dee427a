import { createCipheriv, createDecipheriv, randomBytes, type CipherCCMTypes, type CipherGCMTypes } from 'node:crypto';
import { Cipher, Dialect } from './constants.js';
import { cString, kdfCounterHmacSha256 } from './kdf.js';

/**
 * SMB 3 encryption ([MS-SMB2] 2.2.41, 3.1.4.3, 3.2.5.1.1): the TRANSFORM_HEADER
 * around a whole message or compound chain, AES-CCM or AES-GCM from
 * node:crypto, and the session's keys from the SP 800-108 KDF.
 */

export type CipherName = 'aes-128-ccm' | 'aes-128-gcm' | 'aes-256-ccm' | 'aes-256-gcm';

const NAMES: Record<number, CipherName> = {
  [Cipher.Aes128Ccm]: 'aes-128-ccm',
  [Cipher.Aes128Gcm]: 'aes-128-gcm',
  [Cipher.Aes256Ccm]: 'aes-256-ccm',
  [Cipher.Aes256Gcm]: 'aes-256-gcm',
};

/** The ciphers the client offers in 3.1.1's ENCRYPTION_CAPABILITIES, most preferred first (Windows' order). */
export const CLIENT_CIPHERS: readonly Cipher[] = [Cipher.Aes128Gcm, Cipher.Aes128Ccm, Cipher.Aes256Gcm, Cipher.Aes256Ccm];

export function cipherName(id: number): CipherName | undefined {
  return NAMES[id];
}

export const TRANSFORM_HEADER_SIZE = 52;
const TRANSFORM_PROTOCOL_ID = 0x424d53fd; // 0xFD 'S' 'M' 'B', read little-endian
/** Flags (3.1.1) / EncryptionAlgorithm (3.0.x): both 0x0001. */
const ENCRYPTED = 0x0001;
const TAG_SIZE = 16;
/** Where the authenticated data (nonce to session id) starts in the header. */
const AAD_OFFSET = 20;

/** True when `buf` starts with a TRANSFORM_HEADER's protocol id. */
export function isTransform(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0xfd && buf[1] === 0x53 && buf[2] === 0x4d && buf[3] === 0x42;
}

function isGcm(cipher: CipherName): boolean {
  return cipher.endsWith('gcm');
}

/** AES-CCM takes an 11-byte nonce, AES-GCM a 12-byte one; the rest of the 16-byte field is zero. */
export function nonceLength(cipher: CipherName): number {
  return isGcm(cipher) ? 12 : 11;
}

/**
 * One encrypted message: TRANSFORM_HEADER then the ciphertext. `nonce` is the
 * cipher's nonce (11 or 12 bytes, the rest of the field zero) or the whole
 * 16-byte field, of which the cipher uses the first 11 or 12. The signature
 * is the AEAD tag over the header from the nonce field on.
 */
export function encryptMessage(cipher: CipherName, key: Uint8Array, nonceField: Uint8Array, sessionId: bigint, message: Uint8Array): Buffer {
  if (nonceField.length !== nonceLength(cipher) && nonceField.length !== 16) {
    throw new Error(`${cipher} needs a ${nonceLength(cipher)}-byte nonce`);
  }
  const out = Buffer.alloc(TRANSFORM_HEADER_SIZE + message.length);
  out.writeUInt32LE(TRANSFORM_PROTOCOL_ID, 0);
  Buffer.from(nonceField).copy(out, 20);
  const nonce = out.subarray(20, 20 + nonceLength(cipher));
  out.writeUInt32LE(message.length, 36);
  out.writeUInt16LE(ENCRYPTED, 42);
  out.writeBigUInt64LE(sessionId, 44);
  const aad = out.subarray(AAD_OFFSET, TRANSFORM_HEADER_SIZE);
  let tag: Buffer;
  if (isGcm(cipher)) {
    const c = createCipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG_SIZE });
    c.setAAD(aad);
    c.update(message).copy(out, TRANSFORM_HEADER_SIZE);
    c.final();
    tag = c.getAuthTag();
  } else {
    const c = createCipheriv(cipher as CipherCCMTypes, key, nonce, { authTagLength: TAG_SIZE });
    c.setAAD(aad, { plaintextLength: message.length });
    c.update(message).copy(out, TRANSFORM_HEADER_SIZE);
    c.final();
    tag = c.getAuthTag();
  }
  tag.copy(out, 4);
  return out;
}

export interface TransformFields {
  sessionId: bigint;
  originalMessageSize: number;
  flags: number;
}

export function decodeTransformHeader(frame: Uint8Array): TransformFields {
  if (frame.length < TRANSFORM_HEADER_SIZE || !isTransform(frame)) throw new Error('not an SMB2 TRANSFORM_HEADER');
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  return { originalMessageSize: b.readUInt32LE(36), flags: b.readUInt16LE(42), sessionId: b.readBigUInt64LE(44) };
}

/** The plaintext of one encrypted frame; throws when the header is wrong or the tag does not verify. */
export function decryptMessage(cipher: CipherName, key: Uint8Array, frame: Uint8Array): Buffer {
  const t = decodeTransformHeader(frame);
  const body = frame.subarray(TRANSFORM_HEADER_SIZE);
  if (t.flags !== ENCRYPTED) throw new Error(`the TRANSFORM_HEADER has flags 0x${t.flags.toString(16)}, not "encrypted"`);
  if (t.originalMessageSize !== body.length) {
    throw new Error(`the TRANSFORM_HEADER announces ${t.originalMessageSize} bytes but carries ${body.length}`);
  }
  const nonce = frame.subarray(20, 20 + nonceLength(cipher));
  const tag = frame.subarray(4, 20);
  const aad = frame.subarray(AAD_OFFSET, TRANSFORM_HEADER_SIZE);
  try {
    if (isGcm(cipher)) {
      const d = createDecipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG_SIZE });
      d.setAuthTag(tag);
      d.setAAD(aad);
      const plain = d.update(body);
      d.final();
      return plain;
    }
    const d = createDecipheriv(cipher as CipherCCMTypes, key, nonce, { authTagLength: TAG_SIZE });
    d.setAuthTag(tag);
    d.setAAD(aad, { plaintextLength: body.length });
    const plain = d.update(body);
    d.final();
    return plain;
  } catch (err) {
    throw new Error('an encrypted message did not decrypt: its authentication tag is wrong', { cause: err });
  }
}

export interface EncryptionKeys {
  /** Client to server (Session.EncryptionKey). */
  encryption: Uint8Array;
  /** Server to client (Session.DecryptionKey). */
  decryption: Uint8Array;
}

/**
 * The session's keys ([MS-SMB2] 3.2.5.3.1): for 3.0 and 3.0.2
 * KDF(SessionKey, "SMB2AESCCM", "ServerIn " / "ServerOut"); for 3.1.1
 * KDF(SessionKey, "SMBC2SCipherKey" / "SMBS2CCipherKey", preauth hash), 256
 * bits long for the AES-256 ciphers.
 */
export function deriveEncryptionKeys(dialect: number, cipher: CipherName, sessionKey: Uint8Array, preauthHash?: Uint8Array): EncryptionKeys {
  if (dialect === Dialect.Smb311) {
    if (!preauthHash) throw new Error('SMB 3.1.1 encryption needs the preauth integrity hash');
    const long = cipher.startsWith('aes-256');
    const key = long ? sessionKey : sessionKey.subarray(0, 16);
    const bytes = long ? 32 : 16;
    return {
      encryption: kdfCounterHmacSha256(key, cString('SMBC2SCipherKey'), preauthHash, bytes),
      decryption: kdfCounterHmacSha256(key, cString('SMBS2CCipherKey'), preauthHash, bytes),
    };
  }
  if (dialect !== Dialect.Smb300 && dialect !== Dialect.Smb302) throw new Error('SMB encryption needs SMB 3.0 or later');
  if (cipher !== 'aes-128-ccm') throw new Error('SMB 3.0 and 3.0.2 encrypt with AES-128-CCM only');
  const key = sessionKey.subarray(0, 16);
  return {
    encryption: kdfCounterHmacSha256(key, cString('SMB2AESCCM'), cString('ServerIn ')),
    decryption: kdfCounterHmacSha256(key, cString('SMB2AESCCM'), cString('ServerOut')),
  };
}

/**
 * One session's encryption: seals outgoing messages with fresh nonces and
 * opens incoming ones. A nonce is a 64-bit counter followed by random bytes
 * picked once per session, so no nonce repeats under one key.
 */
export class SessionEncryption {
  readonly cipher: CipherName;
  readonly sessionId: bigint;
  readonly #keys: EncryptionKeys;
  readonly #salt: Uint8Array;
  #counter = 0n;

  constructor(cipher: CipherName, keys: EncryptionKeys, sessionId: bigint) {
    this.cipher = cipher;
    this.#keys = { encryption: Uint8Array.from(keys.encryption), decryption: Uint8Array.from(keys.decryption) };
    this.sessionId = sessionId;
    this.#salt = new Uint8Array(randomBytes(nonceLength(cipher) - 8));
  }

  seal(message: Uint8Array): Buffer {
    const nonce = Buffer.alloc(nonceLength(this.cipher));
    nonce.writeBigUInt64LE(this.#counter);
    this.#counter++;
    Buffer.from(this.#salt).copy(nonce, 8);
    return encryptMessage(this.cipher, this.#keys.encryption, nonce, this.sessionId, message);
  }

  open(frame: Uint8Array): Buffer {
    const { sessionId } = decodeTransformHeader(frame);
    if (sessionId !== this.sessionId) throw new Error(`an encrypted message names session 0x${sessionId.toString(16)}, not this one`);
    return decryptMessage(this.cipher, this.#keys.decryption, frame);
  }
}
