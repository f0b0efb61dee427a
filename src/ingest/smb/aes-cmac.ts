import { createCipheriv } from 'node:crypto';

const ZERO_BLOCK = new Uint8Array(16);

/** Doubles a block in GF(2^128), as RFC 4493 2.3 derives the subkeys. */
function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const v = block[i] as number;
    out[i] = ((v << 1) | carry) & 0xff;
    carry = v >>> 7;
  }
  if (carry) out[15] = (out[15] as number) ^ 0x87;
  return out;
}

/**
 * AES-128-CMAC (RFC 4493), which SMB 3.x signs messages with. AES itself is
 * Node's (OpenSSL's default provider, hardware-accelerated where the CPU can):
 * CMAC is CBC-MAC with the last block masked by a subkey.
 */
export class AesCmac {
  private readonly key: Uint8Array;
  private readonly k1: Uint8Array;
  private readonly k2: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError('AES-CMAC needs a 16-byte key');
    this.key = Uint8Array.from(key);
    const ecb = createCipheriv('aes-128-ecb', this.key, null);
    ecb.setAutoPadding(false);
    const l = new Uint8Array(ecb.update(ZERO_BLOCK));
    this.k1 = double(l);
    this.k2 = double(this.k1);
  }

  /** The 16-byte MAC of `message`. */
  mac(message: Uint8Array): Uint8Array {
    const n = message.length === 0 ? 1 : Math.ceil(message.length / 16);
    const lastStart = (n - 1) * 16;
    const complete = message.length > 0 && message.length % 16 === 0;
    const last = new Uint8Array(16);
    last.set(message.subarray(lastStart));
    if (!complete) last[message.length - lastStart] = 0x80;
    const mask = complete ? this.k1 : this.k2;
    for (let i = 0; i < 16; i++) last[i] = (last[i] as number) ^ (mask[i] as number);

    const cbc = createCipheriv('aes-128-cbc', this.key, ZERO_BLOCK);
    cbc.setAutoPadding(false);
    if (lastStart > 0) cbc.update(message.subarray(0, lastStart));
    const tail = cbc.update(last);
    return new Uint8Array(tail.subarray(tail.length - 16));
  }
}
