/**
 * MD4 (RFC 1320), in plain TypeScript. NTLM needs it for the NT hash, and
 * Node's crypto only offers MD4 through OpenSSL's legacy provider, which
 * sharecast must not depend on.
 */
export function md4(data: Uint8Array): Uint8Array {
  const length = data.length;
  const blockCount = ((length + 8) >>> 6) + 1;
  const padded = new Uint8Array(blockCount * 64);
  padded.set(data);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = length * 8;
  view.setUint32(padded.length - 8, bits >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bits / 0x100000000) >>> 0, true);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Uint32Array(16);
  const rotl = (v: number, s: number): number => (v << s) | (v >>> (32 - s));

  for (let block = 0; block < blockCount; block++) {
    for (let i = 0; i < 16; i++) x[i] = view.getUint32(block * 64 + i * 4, true);
    const aa = a;
    const bb = b;
    const cc = c;
    const dd = d;
    const X = (i: number): number => x[i] as number;

    // Round 1: F(x, y, z) = xy | ~xz
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + ((b & c) | (~b & d)) + X(i)) | 0, 3);
      d = rotl((d + ((a & b) | (~a & c)) + X(i + 1)) | 0, 7);
      c = rotl((c + ((d & a) | (~d & b)) + X(i + 2)) | 0, 11);
      b = rotl((b + ((c & d) | (~c & a)) + X(i + 3)) | 0, 19);
    }
    // Round 2: G(x, y, z) = xy | xz | yz, plus 0x5a827999
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + ((b & c) | (b & d) | (c & d)) + X(i) + 0x5a827999) | 0, 3);
      d = rotl((d + ((a & b) | (a & c) | (b & c)) + X(i + 4) + 0x5a827999) | 0, 5);
      c = rotl((c + ((d & a) | (d & b) | (a & b)) + X(i + 8) + 0x5a827999) | 0, 9);
      b = rotl((b + ((c & d) | (c & a) | (d & a)) + X(i + 12) + 0x5a827999) | 0, 13);
    }
    // Round 3: H(x, y, z) = x ^ y ^ z, plus 0x6ed9eba1
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + (b ^ c ^ d) + X(i) + 0x6ed9eba1) | 0, 3);
      d = rotl((d + (a ^ b ^ c) + X(i + 8) + 0x6ed9eba1) | 0, 9);
      c = rotl((c + (d ^ a ^ b) + X(i + 4) + 0x6ed9eba1) | 0, 11);
      b = rotl((b + (c ^ d ^ a) + X(i + 12) + 0x6ed9eba1) | 0, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }

  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  outView.setUint32(0, a >>> 0, true);
  outView.setUint32(4, b >>> 0, true);
  outView.setUint32(8, c >>> 0, true);
  outView.setUint32(12, d >>> 0, true);
  return out;
}
