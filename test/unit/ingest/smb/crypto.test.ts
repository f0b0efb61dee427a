// Known-answer tests for the SMB client's own cryptography: MD4 (RFC 1320),
// RC4, AES-CMAC (RFC 4493) and the SP 800-108 KDF with the SMB 3.0 / 3.1.1
// key derivation examples Microsoft published.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AesCmac } from '../../../../src/ingest/smb/aes-cmac.js';
import { cString, kdfCounterHmacSha256 } from '../../../../src/ingest/smb/kdf.js';
import { md4 } from '../../../../src/ingest/smb/md4.js';
import { rc4 } from '../../../../src/ingest/smb/rc4.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('md4', () => {
  // RFC 1320 appendix A.5, all seven.
  const vectors: Array<[string, string]> = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [input, want] of vectors) {
    test(`RFC 1320 A.5: "${input.slice(0, 20)}${input.length > 20 ? '…' : ''}"`, () => {
      assert.equal(hex(md4(ascii(input))), want);
    });
  }

  test('the NT hash of "Password" (MS-NLMP 4.2.2.1.2) and lengths around the 56-byte padding edge', () => {
    assert.equal(hex(md4(new Uint8Array(Buffer.from('Password', 'utf16le')))), 'a4f49c406510bdcab6824ee7c30fd852');
    // 55, 56 and 64 bytes change how many blocks padding takes; all must differ and be stable.
    const seen = new Set<string>();
    for (const n of [55, 56, 63, 64, 65, 119, 120]) seen.add(hex(md4(new Uint8Array(n).fill(0x61))));
    assert.equal(seen.size, 7);
  });
});

describe('rc4', () => {
  test('the classic vectors ("Key"/"Plaintext", "Wiki"/"pedia")', () => {
    assert.equal(hex(rc4(ascii('Key'), ascii('Plaintext'))), 'bbf316e8d940af0ad3');
    assert.equal(hex(rc4(ascii('Wiki'), ascii('pedia'))), '1021bf0420');
  });

  test('MS-NLMP 4.2.4: the random session key 55…55 under the NTLMv2 SessionBaseKey', () => {
    const out = rc4(bytes('8de40ccadbc14a82f15cb0ad0de95ca3'), new Uint8Array(16).fill(0x55));
    assert.equal(hex(out), 'c5dad2544fc9799094ce1ce90bc9d03e');
  });
});

describe('aes-cmac', () => {
  // RFC 4493 section 4: an empty message, one block, a partial last block, four blocks.
  const key = bytes('2b7e151628aed2a6abf7158809cf4f3c');
  const msg = bytes(
    '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  );
  const examples: Array<[number, string]> = [
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ];
  for (const [len, want] of examples) {
    test(`RFC 4493 example, ${len} bytes`, () => {
      assert.equal(hex(new AesCmac(key).mac(msg.subarray(0, len))), want);
    });
  }

  test('one instance gives the same MAC again (no state leaks between messages)', () => {
    const cmac = new AesCmac(key);
    assert.equal(hex(cmac.mac(msg.subarray(0, 40))), 'dfa66747de9ae63030ca32611497c827');
    assert.equal(hex(cmac.mac(msg)), '51f0bebf7e3b9d92fc49741779363cfe');
    assert.equal(hex(cmac.mac(msg.subarray(0, 40))), 'dfa66747de9ae63030ca32611497c827');
  });
});

describe('SP 800-108 KDF (counter mode, HMAC-SHA256)', () => {
  // Microsoft Open Specifications blog, "SMB 2 and SMB 3 security in Windows 10:
  // the anatomy of signing and cryptographic keys", appendix.
  test('SMB 3.0 keys from SessionKey 7CD451825D0450D235424E44BA6E78CC', () => {
    const key = bytes('7CD451825D0450D235424E44BA6E78CC');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMB2AESCMAC'), cString('SmbSign'))), '0b7e9c5cac36c0f6ea9ab275298cedce');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMB2AESCCM'), cString('ServerIn '))), 'fad27796665b313ebb578f388632b4f7');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMB2AESCCM'), cString('ServerOut'))), 'b0f0427f7ceb416d1d9dcc0cd4f99447');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMB2APP'), cString('SmbRpc'))), 'bb23a4575aa26c721af525af15a87b4f');
  });

  test('SMB 3.0 signing key, second channel', () => {
    const key = bytes('4E01A2B313BCF660CC250BEF021AEDE6');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMB2AESCMAC'), cString('SmbSign'))), 'ba1a17dbbfec349bca105563d598952f');
  });

  test('SMB 3.1.1 keys with the preauth integrity hash as context', () => {
    const key = bytes('270E1BA896585EEB7AF3472D3B4C75A7');
    const preauth = bytes(
      '0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01',
    );
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMBSigningKey'), preauth)), '73fe7a9a77bef0bde49c650d8ccb5f76');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMBC2SCipherKey'), preauth)), '629bcbc54422a0f572b97f45989b6073');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMBS2CCipherKey'), preauth)), 'e2af0dcefac68da71a0dfbd0d1350d74');
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMBAppKey'), preauth)), '6d7ad7954e9ec61e907b4d473dc178ff');
  });

  test('SMB 3.1.1 signing key, second channel', () => {
    const key = bytes('84B9DBB730116A8FA6E9889555C265F9');
    const preauth = bytes(
      'EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD3063425E49E88A10BD022124CE25123BC9111F52D9566BA88BF46344E6063DC5E3FF0389026F6C',
    );
    assert.equal(hex(kdfCounterHmacSha256(key, cString('SMBSigningKey'), preauth)), 'c962bca1a9dd1697b030644199705431');
  });

  test('more than one block: the counter goes on and L counts all bits', () => {
    const key = bytes('7CD451825D0450D235424E44BA6E78CC');
    const long = kdfCounterHmacSha256(key, cString('SMB2AESCMAC'), cString('SmbSign'), 48);
    assert.equal(long.length, 48);
    // L is part of the input, so the first 16 bytes differ from the 16-byte key.
    assert.notEqual(hex(long.subarray(0, 16)), '0b7e9c5cac36c0f6ea9ab275298cedce');
  });
});
