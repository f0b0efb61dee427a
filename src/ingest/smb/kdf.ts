import { createHmac } from 'node:crypto';

/**
 * The SP 800-108 key derivation function in counter mode with HMAC-SHA256,
 * as [MS-SMB2] 3.1.4.2 uses it for SMB 3.x keys: r = 32, L = 128 bits unless
 * asked otherwise. `label` and `context` are passed whole, terminating NULs
 * included where MS-SMB2 gives them ("SMB2AESCMAC\0").
 */
export function kdfCounterHmacSha256(
  key: Uint8Array,
  label: Uint8Array,
  context: Uint8Array,
  lengthBytes = 16,
): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  const lBits = new Uint8Array(4);
  new DataView(lBits.buffer).setUint32(0, lengthBytes * 8, false);
  for (let i = 1, at = 0; at < lengthBytes; i++) {
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, i, false);
    const block = createHmac('sha256', key)
      .update(counter)
      .update(label)
      .update(new Uint8Array([0]))
      .update(context)
      .update(lBits)
      .digest();
    const take = Math.min(32, lengthBytes - at);
    out.set(block.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** An ASCII label or context with its terminating NUL, as MS-SMB2 writes them. */
export function cString(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(`${text}\0`, 'latin1'));
}
