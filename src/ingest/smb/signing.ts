import { createHmac, timingSafeEqual } from 'node:crypto';
import { AesCmac } from './aes-cmac.js';
import { Dialect, HeaderFlag } from './constants.js';
import { SIGNATURE_OFFSET } from './header.js';
import { cString, kdfCounterHmacSha256 } from './kdf.js';

export type SigningAlgorithm = 'hmac-sha256' | 'aes-cmac';

/**
 * Message signing ([MS-SMB2] 3.1.4.1): HMAC-SHA256 truncated to 16 bytes for
 * SMB 2.0.2 and 2.1, AES-128-CMAC for 3.x, over the whole message with the
 * signature field zeroed.
 */
export class Signer {
  readonly algorithm: SigningAlgorithm;
  private readonly key: Uint8Array;
  private readonly cmac: AesCmac | undefined;

  constructor(algorithm: SigningAlgorithm, key: Uint8Array) {
    this.algorithm = algorithm;
    this.key = Uint8Array.from(key);
    this.cmac = algorithm === 'aes-cmac' ? new AesCmac(this.key) : undefined;
  }

  private compute(msg: Uint8Array): Uint8Array {
    if (this.cmac) return this.cmac.mac(msg);
    return new Uint8Array(createHmac('sha256', this.key).update(msg).digest().subarray(0, 16));
  }

  /** Sets the SIGNED flag and writes the signature into `msg` (one whole message, header first). */
  sign(msg: Buffer): void {
    msg.writeUInt32LE((msg.readUInt32LE(16) | HeaderFlag.Signed) >>> 0, 16);
    msg.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16);
    Buffer.from(this.compute(msg)).copy(msg, SIGNATURE_OFFSET);
  }

  /** True when `msg`'s signature is right. Leaves `msg` as it was. */
  verify(msg: Buffer): boolean {
    const given = Buffer.from(msg.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16));
    msg.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + 16);
    const want = this.compute(msg);
    given.copy(msg, SIGNATURE_OFFSET);
    return timingSafeEqual(given, want);
  }
}

/**
 * The signing key for a session ([MS-SMB2] 3.2.5.3.1): the session key itself
 * for 2.x; for 3.0/3.0.2 KDF(SessionKey, "SMB2AESCMAC", "SmbSign"); for 3.1.1
 * KDF(SessionKey, "SMBSigningKey", preauth integrity hash).
 */
export function createSigner(dialect: number, sessionKey: Uint8Array, preauthHash?: Uint8Array): Signer {
  const key16 = sessionKey.subarray(0, 16);
  if (dialect === Dialect.Smb202 || dialect === Dialect.Smb210) return new Signer('hmac-sha256', key16);
  if (dialect === Dialect.Smb311) {
    if (!preauthHash) throw new Error('SMB 3.1.1 signing needs the preauth integrity hash');
    return new Signer('aes-cmac', kdfCounterHmacSha256(key16, cString('SMBSigningKey'), preauthHash));
  }
  return new Signer('aes-cmac', kdfCounterHmacSha256(key16, cString('SMB2AESCMAC'), cString('SmbSign')));
}
