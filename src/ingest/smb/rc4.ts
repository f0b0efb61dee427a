/**
 * RC4, in plain TypeScript: NTLM's key exchange encrypts the random session
 * key with it ([MS-NLMP] 3.1.5.1.2). Node's crypto offers RC4 only through
 * OpenSSL's legacy provider. It is used on 16 bytes per sign-in, never on data.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key[i % key.length] as number)) & 0xff;
    const t = s[i] as number;
    s[i] = s[j] as number;
    s[j] = t;
  }
  const out = new Uint8Array(data.length);
  let i = 0;
  j = 0;
  for (let n = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + (s[i] as number)) & 0xff;
    const t = s[i] as number;
    s[i] = s[j] as number;
    s[j] = t;
    out[n] = (data[n] as number) ^ (s[((s[i] as number) + (s[j] as number)) & 0xff] as number);
  }
  return out;
}
