// SMB 3 encryption: the known answers Microsoft published (Open
// Specifications blog, "Encryption in SMB 3.0: a protocol perspective", 2012,
// AES-128-CCM; "SMB 3.1.1 Encryption in Windows 10", 2015, AES-128-GCM), and
// node:crypto round trips for the AES-256 ciphers, which have no published
// example (a real Samba checks those in the integration tests).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Dialect } from '../../../../src/ingest/smb/constants.js';
import {
  cipherName,
  CLIENT_CIPHERS,
  decodeTransformHeader,
  decryptMessage,
  deriveEncryptionKeys,
  encryptMessage,
  isTransform,
  SessionEncryption,
  TRANSFORM_HEADER_SIZE,
  type CipherName,
} from '../../../../src/ingest/smb/encryption.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (...lines: string[]): Buffer => Buffer.from(lines.join(''), 'hex');

describe('SMB 3.0 encryption (AES-128-CCM), Microsoft\'s example', () => {
  const sessionKey = bytes('B4546771B515F766A86735532DD6C4F0');
  const sessionId = 0x8e40014000011n;

  test('the keys: KDF(SessionKey, "SMB2AESCCM", "ServerIn " / "ServerOut")', () => {
    const keys = deriveEncryptionKeys(Dialect.Smb300, 'aes-128-ccm', sessionKey);
    assert.equal(hex(keys.encryption), '261b72350558f2e9dcf613070383edbf');
    assert.equal(hex(keys.decryption), '8fe2b57ec34d2db5b1a9727f526bbdb5');
    assert.deepEqual(deriveEncryptionKeys(Dialect.Smb302, 'aes-128-ccm', sessionKey), keys, '3.0.2 derives them alike');
  });

  test('a WRITE request encrypts to the published TRANSFORM_HEADER and ciphertext', () => {
    const write = bytes(
      'FE534D4240000100000000000900400008000000000000000400000000000000',
      'FFFE0000010000001100001400E4080000000000000000000000000000000000',
      '3100700017000000000000000000000015010000390000020100000039020000',
      '00000000000000007000000000000000536D623320656E6372797074696F6E20',
      '74657374696E67',
    );
    const key = deriveEncryptionKeys(Dialect.Smb300, 'aes-128-ccm', sessionKey).encryption;
    // Windows filled the 5 bytes of the nonce field that CCM leaves unused; they are authenticated all the same.
    const out = encryptMessage('aes-128-ccm', key, bytes('66E69A111892584FB5ED524A744DA3EE'), sessionId, write);
    assert.equal(
      hex(out),
      bytes(
        'FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A',
        '744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5',
        '2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4',
        '4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5',
        'AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6',
        'C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB',
      ).toString('hex'),
    );
  });

  test('the published response decrypts to its WRITE response', () => {
    const key = deriveEncryptionKeys(Dialect.Smb300, 'aes-128-ccm', sessionKey).decryption;
    const frame = bytes(
      'FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014',
      '00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079',
      'E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787',
      '1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1',
      '77309E5B',
    );
    assert.equal(decodeTransformHeader(frame).sessionId, sessionId);
    assert.equal(
      hex(decryptMessage('aes-128-ccm', key, frame)),
      bytes(
        'FE534D4240000100000000000900210009000000000000000400000000000000',
        'FFFE0000010000001100001400E4080000000000000000000000000000000000',
        '11000000170000000000000000000000',
      ).toString('hex'),
    );
  });
});

describe('SMB 3.1.1 encryption (AES-128-GCM), Microsoft\'s example', () => {
  const sessionKey = bytes('419FDDF34C1E001909D362AE7FB6AF79');
  const preauth = bytes(
    'B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9',
    '77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770',
  );
  const sessionId = 0x100000000025n;
  const keys = deriveEncryptionKeys(Dialect.Smb311, 'aes-128-gcm', sessionKey, preauth);

  test('the keys: KDF(SessionKey, "SMBC2SCipherKey" / "SMBS2CCipherKey", preauth hash)', () => {
    assert.equal(hex(keys.encryption), 'a2f5e80e5d59103034f32e52f698e5ec');
    assert.equal(hex(keys.decryption), '748c50868c90f302962a5c35f5f9a8bf');
  });

  test('a WRITE request encrypts byte for byte as published', () => {
    const write = bytes(
      'FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000',
      '25000000001000000000000000000000000000000000000031007000170000000000000000000000',
      '0600000004000000010000000400000000000000000000007000000000000000536D623320656E63',
      '72797074696F6E2074657374696E67',
    );
    const out = encryptMessage('aes-128-gcm', keys.encryption, bytes('C7D6822D269CAF48904C664C'), sessionId, write);
    assert.equal(
      hex(out),
      bytes(
        'FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000',
        '0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02',
        'D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4',
        '4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9',
        '1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8',
      ).toString('hex'),
    );
  });

  test('the published response decrypts; a changed byte anywhere is refused', () => {
    const frame = bytes(
      'FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000',
      '00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8',
      'F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B',
      '82E03C9E18A050FF0EA1C967',
    );
    assert.equal(
      hex(decryptMessage('aes-128-gcm', keys.decryption, frame)),
      bytes(
        'FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000',
        '25000000001000000000000000000000000000000000000011000000170000000000000000000000',
      ).toString('hex'),
    );
    // The tag (4), the authenticated header (20-51) and the ciphertext (52+).
    for (const at of [4, 19, 20, 40, 44, 52, frame.length - 1]) {
      const bad = Buffer.from(frame);
      bad[at] = (bad[at] as number) ^ 0x01;
      assert.throws(() => decryptMessage('aes-128-gcm', keys.decryption, bad), /did not decrypt|TRANSFORM_HEADER/, `byte ${at}`);
    }
    assert.throws(() => decryptMessage('aes-128-gcm', keys.encryption, frame), /did not decrypt/, 'the other direction\'s key');
  });
});

describe('sessions, nonces and the AES-256 ciphers', () => {
  const sessionKey = bytes('0102030405060708090a0b0c0d0e0f10');
  const preauth = new Uint8Array(64).fill(7);

  test('the client offers GCM before CCM and 128 before 256 bits, as Windows does', () => {
    assert.deepEqual(CLIENT_CIPHERS.map(cipherName), ['aes-128-gcm', 'aes-128-ccm', 'aes-256-gcm', 'aes-256-ccm']);
    assert.equal(cipherName(0), undefined);
    assert.equal(cipherName(9), undefined);
  });

  test('AES-256 keys are 32 bytes (L = 256), not a longer cut of the 128-bit ones', () => {
    const k128 = deriveEncryptionKeys(Dialect.Smb311, 'aes-128-gcm', sessionKey, preauth);
    const k256 = deriveEncryptionKeys(Dialect.Smb311, 'aes-256-gcm', sessionKey, preauth);
    assert.equal(k256.encryption.length, 32);
    assert.equal(k256.decryption.length, 32);
    assert.notEqual(hex(k256.encryption.subarray(0, 16)), hex(k128.encryption));
    assert.deepEqual(deriveEncryptionKeys(Dialect.Smb311, 'aes-256-ccm', sessionKey, preauth), k256, 'CCM and GCM share the keys');
    assert.throws(() => deriveEncryptionKeys(Dialect.Smb300, 'aes-256-gcm', sessionKey), /AES-128-CCM only/);
    assert.throws(() => deriveEncryptionKeys(Dialect.Smb210, 'aes-128-ccm', sessionKey), /3\.0 or later/);
    assert.throws(() => deriveEncryptionKeys(Dialect.Smb311, 'aes-128-gcm', sessionKey), /preauth/);
  });

  for (const cipher of ['aes-128-ccm', 'aes-128-gcm', 'aes-256-ccm', 'aes-256-gcm'] as CipherName[]) {
    test(`${cipher}: what the client seals, the server's side opens, at any size up to 1 MiB`, () => {
      const keys = deriveEncryptionKeys(Dialect.Smb311, cipher, sessionKey, preauth);
      const client = new SessionEncryption(cipher, keys, 0x42n);
      // The server decrypts with the client's encryption key and answers with its decryption key.
      const server = new SessionEncryption(cipher, { encryption: keys.decryption, decryption: keys.encryption }, 0x42n);
      for (const size of [64, 64 * 3 + 5, 1024 * 1024]) {
        const message = Buffer.alloc(size, size & 0xff);
        message.write('\xfeSMB', 0, 'latin1');
        const sealed = client.seal(message);
        assert.ok(isTransform(sealed));
        assert.equal(sealed.length, TRANSFORM_HEADER_SIZE + size);
        assert.ok(!sealed.subarray(TRANSFORM_HEADER_SIZE).equals(message), 'the message is not sent in the clear');
        assert.ok(server.open(sealed).equals(message));
        assert.ok(client.open(server.seal(message)).equals(message));
      }
    });
  }

  test('nonces never repeat within a session, and a message for another session is refused', () => {
    const keys = deriveEncryptionKeys(Dialect.Smb311, 'aes-128-gcm', sessionKey, preauth);
    const s = new SessionEncryption('aes-128-gcm', keys, 7n);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const frame = s.seal(Buffer.from('\xfeSMB hello', 'latin1'));
      seen.add(hex(frame.subarray(20, 36)));
      assert.equal(hex(frame.subarray(32, 36)), '00000000', 'GCM uses 12 of the 16 nonce bytes');
    }
    assert.equal(seen.size, 1000);
    const other = new SessionEncryption('aes-128-gcm', { encryption: keys.decryption, decryption: keys.encryption }, 8n);
    assert.throws(() => other.open(s.seal(Buffer.from('x'))), /names session 0x7/);
  });

  test('a frame whose size field disagrees with its length is refused before decrypting', () => {
    const keys = deriveEncryptionKeys(Dialect.Smb311, 'aes-128-ccm', sessionKey, preauth);
    const frame = encryptMessage('aes-128-ccm', keys.encryption, new Uint8Array(11), 1n, Buffer.alloc(100));
    assert.throws(() => decryptMessage('aes-128-ccm', keys.encryption, frame.subarray(0, frame.length - 1)), /announces 100 bytes but carries 99/);
    assert.throws(() => decryptMessage('aes-128-ccm', keys.encryption, frame.subarray(0, 40)), /not an SMB2 TRANSFORM_HEADER/);
    assert.throws(() => encryptMessage('aes-128-ccm', keys.encryption, new Uint8Array(12), 1n, Buffer.alloc(1)), /11-byte nonce/);
  });
});
