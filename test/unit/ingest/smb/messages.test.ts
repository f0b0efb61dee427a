// SMB2 message encoding and decoding ([MS-SMB2] 2.2) and signing, without a
// server: layouts, offsets, alignment, and signatures that verify or do not.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { AesCmac } from '../../../../src/ingest/smb/aes-cmac.js';
import { Command, Dialect, HeaderFlag, NegotiateContextType, NtStatus, statusName } from '../../../../src/ingest/smb/constants.js';
import {
  decodeCreateResponse,
  decodeDirectoryInformation,
  decodeReadResponse,
  encodeCreateRequest,
  encodeQueryDirectoryRequest,
  encodeReadRequest,
  fileTimeToMs,
  RELATED_FILE_ID,
  smbPath,
} from '../../../../src/ingest/smb/file-messages.js';
import { decodeHeader, encodeHeader, HEADER_SIZE, type Smb2Header } from '../../../../src/ingest/smb/header.js';
import { cString, kdfCounterHmacSha256 } from '../../../../src/ingest/smb/kdf.js';
import { CLIENT_CIPHERS } from '../../../../src/ingest/smb/encryption.js';
import { clientCapabilities, decodeNegotiateResponse, encodeNegotiateRequest } from '../../../../src/ingest/smb/negotiate.js';
import { chain } from '../../../../src/ingest/smb/session-setup.js';
import * as windows from './vectors/windows-311-sign-in.js';
import { createSigner, Signer } from '../../../../src/ingest/smb/signing.js';

const header = (over: Partial<Smb2Header> = {}): Smb2Header => ({
  creditCharge: 1,
  status: 0,
  command: Command.Read,
  credits: 31,
  flags: 0,
  nextCommand: 0,
  messageId: 0x1122334455n,
  asyncId: undefined,
  treeId: 7,
  sessionId: 0xabcdef0123456789n,
  signature: new Uint8Array(16),
  ...over,
});

describe('SMB2 header', () => {
  test('round-trips the sync form', () => {
    const h = header();
    const b = encodeHeader(h);
    assert.equal(b.length, HEADER_SIZE);
    assert.deepEqual([...b.subarray(0, 4)], [0xfe, 0x53, 0x4d, 0x42]);
    const d = decodeHeader(b);
    assert.equal(d.messageId, h.messageId);
    assert.equal(d.sessionId, h.sessionId);
    assert.equal(d.treeId, 7);
    assert.equal(d.credits, 31);
    assert.equal(d.asyncId, undefined);
  });

  test('round-trips the async form (STATUS_PENDING answers carry an AsyncId instead of a TreeId)', () => {
    const b = encodeHeader(header({ flags: HeaderFlag.AsyncCommand | HeaderFlag.ServerToRedir, asyncId: 0x55n, status: NtStatus.Pending }));
    const d = decodeHeader(b);
    assert.equal(d.asyncId, 0x55n);
    assert.equal(d.status, NtStatus.Pending);
  });

  test('anything else is not SMB2', () => {
    assert.throws(() => decodeHeader(Buffer.from('\xffSMB' + 'x'.repeat(60), 'latin1')), /not an SMB2 message/);
    assert.throws(() => decodeHeader(Buffer.alloc(10)), /not an SMB2 message/);
  });

  test('status names read like the spec', () => {
    assert.equal(statusName(NtStatus.LogonFailure), 'STATUS_LOGON_FAILURE');
    assert.equal(statusName(NtStatus.ObjectNameNotFound), 'STATUS_OBJECT_NAME_NOT_FOUND');
    assert.equal(statusName(NtStatus.FileIsADirectory), 'STATUS_FILE_IS_A_DIRECTORY');
    assert.equal(statusName(0xc0001234), 'NTSTATUS 0xc0001234');
  });
});

describe('NEGOTIATE', () => {
  const salt = new Uint8Array(32).fill(0x5a);
  const guid = new Uint8Array(16).fill(1);

  test('with 3.1.1 offered: dialects, then an 8-aligned SHA-512 preauth context', () => {
    const body = encodeNegotiateRequest({ dialects: [0x202, 0x210, 0x300, 0x302, 0x311], securityMode: 1, capabilities: 4, clientGuid: guid, preauthSalt: salt });
    assert.equal(body.readUInt16LE(0), 36);
    assert.equal(body.readUInt16LE(2), 5);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => body.readUInt16LE(36 + 2 * i)), [0x202, 0x210, 0x300, 0x302, 0x311]);
    const ctxOffset = body.readUInt32LE(28);
    assert.equal(ctxOffset % 8, 0, 'context offset (from the header) is 8-aligned');
    assert.equal(body.readUInt16LE(32), 1, 'one context');
    const ctx = body.subarray(ctxOffset - HEADER_SIZE);
    assert.equal(ctx.readUInt16LE(0), NegotiateContextType.PreauthIntegrityCapabilities);
    assert.equal(ctx.readUInt16LE(2), 6 + 32);
    assert.equal(ctx.readUInt16LE(8), 1, 'one hash algorithm');
    assert.equal(ctx.readUInt16LE(10), 32, 'salt length');
    assert.equal(ctx.readUInt16LE(12), 1, 'SHA-512');
    assert.ok(ctx.subarray(14, 46).equals(Buffer.from(salt)));
  });

  test('byte for byte the NEGOTIATE a Windows 10 client sent: preauth context, padding, then ENCRYPTION_CAPABILITIES', () => {
    const sent = windows.NEGOTIATE_REQUEST.subarray(HEADER_SIZE);
    const body = encodeNegotiateRequest({
      dialects: [0x202, 0x210, 0x300, 0x302, 0x311],
      securityMode: 0,
      capabilities: 0x3f,
      clientGuid: sent.subarray(12, 28),
      preauthSalt: sent.subarray(0x70 - HEADER_SIZE + 14, 0x70 - HEADER_SIZE + 46),
      ciphers: [0x0002, 0x0001],
    });
    assert.equal(body.toString('hex'), sent.toString('hex'));
  });

  test('sharecast offers all four ciphers, and the encryption capability whenever it offers SMB 3', () => {
    const body = encodeNegotiateRequest({ dialects: [0x311], securityMode: 1, capabilities: 4, clientGuid: guid, preauthSalt: salt, ciphers: CLIENT_CIPHERS });
    assert.equal(body.readUInt16LE(32), 2, 'two contexts');
    const enc = body.subarray(body.readUInt32LE(28) - HEADER_SIZE + 48);
    assert.equal(enc.readUInt16LE(0), NegotiateContextType.EncryptionCapabilities);
    assert.equal(enc.readUInt16LE(2), 2 + 2 * 4);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => enc.readUInt16LE(8 + 2 * i)), [4, 2, 1, 4, 3], 'count 4: GCM-128, CCM-128, GCM-256, CCM-256');
    assert.equal(body.length, body.readUInt32LE(28) - HEADER_SIZE + 48 + 8 + 10, 'the last context is not padded');
    assert.equal(clientCapabilities([0x202, 0x210, 0x300]), 0x44, 'large MTU + encryption');
    assert.equal(clientCapabilities([0x311]), 0x44);
    assert.equal(clientCapabilities([0x202, 0x210]), 0x04, 'SMB 2 alone cannot encrypt');
  });

  test('the NEGOTIATE response of the Windows server: 3.1.1, SHA-512, AES-128-GCM', () => {
    const r = decodeNegotiateResponse(windows.NEGOTIATE_RESPONSE);
    assert.equal(r.dialect, Dialect.Smb311);
    assert.equal(r.preauthHashAlgorithm, 1);
    assert.equal(r.cipher, 0x0002);
    assert.equal(r.signingAlgorithm, undefined);
  });

  test('the preauth integrity hash over the published sign-in, message by message', () => {
    const h = chain(
      new Uint8Array(64),
      windows.NEGOTIATE_REQUEST,
      windows.NEGOTIATE_RESPONSE,
      windows.SESSION_SETUP_REQUEST_1,
      windows.SESSION_SETUP_RESPONSE_1,
      windows.SESSION_SETUP_REQUEST_2,
    );
    assert.equal(Buffer.from(h).toString('hex'), windows.PREAUTH_HASH.toString('hex'));
    const afterFirst = chain(new Uint8Array(64), windows.NEGOTIATE_REQUEST);
    assert.equal(
      Buffer.from(afterFirst).toString('hex').toUpperCase(),
      'DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426',
    );
  });

  test('without 3.1.1: no contexts', () => {
    const body = encodeNegotiateRequest({ dialects: [0x202, 0x210], securityMode: 1, capabilities: 4, clientGuid: guid, preauthSalt: salt });
    assert.equal(body.length, 36 + 4);
    assert.equal(body.readUInt32LE(28), 0);
  });

  test('a 3.1.1 response with its contexts decodes', () => {
    const body = Buffer.alloc(64 + 8 + 32);
    body.writeUInt16LE(65, 0);
    body.writeUInt16LE(3, 2); // signing enabled + required
    body.writeUInt16LE(0x311, 4);
    body.writeUInt16LE(2, 6); // two contexts
    body.writeUInt32LE(0x2f, 24);
    body.writeUInt32LE(8 * 1024 * 1024, 32);
    body.writeUInt16LE(HEADER_SIZE + 64, 56); // security buffer
    body.writeUInt16LE(4, 58);
    body.writeUInt32LE(HEADER_SIZE + 64 + 8, 60); // contexts at an 8-aligned offset
    Buffer.from([0x60, 0x02, 0x05, 0x00]).copy(body, 64);
    const c = body.subarray(72);
    c.writeUInt16LE(1, 0);
    c.writeUInt16LE(6, 2); // preauth: count 1, salt 0, SHA-512
    c.writeUInt16LE(1, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(1, 12);
    c.writeUInt16LE(8, 16); // next context at 8-aligned 16: signing capabilities
    c.writeUInt16LE(4, 18);
    c.writeUInt16LE(1, 24);
    c.writeUInt16LE(1, 26); // AES-CMAC
    const msg = Buffer.concat([encodeHeader(header({ command: Command.Negotiate })), body]);
    const r = decodeNegotiateResponse(msg);
    assert.equal(r.dialect, Dialect.Smb311);
    assert.equal(r.securityMode, 3);
    assert.equal(r.maxReadSize, 8 * 1024 * 1024);
    assert.equal(r.preauthHashAlgorithm, 1);
    assert.equal(r.signingAlgorithm, 1);
    assert.equal(r.cipher, undefined, 'no encryption context: no cipher');
    assert.deepEqual([...r.securityBuffer], [0x60, 0x02, 0x05, 0x00]);
  });
});

describe('file requests and responses', () => {
  test('CREATE: name in UTF-16 with backslashes at offset 120; the root has a one-byte buffer', () => {
    assert.equal(smbPath('/a//b/./c.m3u8'), 'a\\b\\c.m3u8');
    const b = encodeCreateRequest({ path: 'OBS recordings/2026-01-01 10-00-00.m3u8' });
    assert.equal(b.readUInt16LE(0), 57);
    assert.equal(b.readUInt16LE(44), 120);
    const len = b.readUInt16LE(46);
    assert.equal(b.subarray(56, 56 + len).toString('utf16le'), 'OBS recordings\\2026-01-01 10-00-00.m3u8');
    assert.equal(b.readUInt32LE(32), 7, 'share read, write and delete: never blocks OBS renaming the playlist');
    assert.equal(b.readUInt8(3), 0, 'no oplock, so no breaks');
    const root = encodeCreateRequest({ path: '' });
    assert.equal(root.readUInt16LE(46), 0);
    assert.equal(root.length, 57);
  });

  test('READ asks for its data at offset 0x50 and decodes what comes back', () => {
    const b = encodeReadRequest(RELATED_FILE_ID, 65536, 4096);
    assert.equal(b.readUInt16LE(0), 49);
    assert.equal(b.readUInt8(2), 0x50);
    assert.equal(b.readUInt32LE(4), 4096);
    assert.equal(b.readBigUInt64LE(8), 65536n);
    assert.ok(b.subarray(16, 32).equals(Buffer.alloc(16, 0xff)));
    const body = Buffer.alloc(16 + 5);
    body.writeUInt16LE(17, 0);
    body.writeUInt8(0x50, 2);
    body.writeUInt32LE(5, 4);
    Buffer.from('hello').copy(body, 16);
    const msg = Buffer.concat([encodeHeader(header()), body]);
    assert.equal(decodeReadResponse(msg).toString(), 'hello');
    const truncated = Buffer.from(msg.subarray(0, msg.length - 2));
    assert.throws(() => decodeReadResponse(truncated), /truncated/);
  });

  test('CREATE response: times, size, attributes, FileId', () => {
    const body = Buffer.alloc(88);
    body.writeUInt16LE(89, 0);
    body.writeBigUInt64LE(133_000_000_000_000_000n, 24); // LastWriteTime
    body.writeBigUInt64LE(1234n, 48);
    body.writeUInt32LE(0x10, 56);
    body.fill(0xab, 64, 80);
    const r = decodeCreateResponse(Buffer.concat([encodeHeader(header({ command: Command.Create })), body]));
    assert.equal(r.endOfFile, 1234n);
    assert.equal(r.isDirectory, true);
    assert.ok(Buffer.from(r.fileId).equals(Buffer.alloc(16, 0xab)));
    assert.equal(fileTimeToMs(r.lastWriteTime), Date.UTC(2022, 5, 18, 4, 26, 40));
  });

  test('QUERY_DIRECTORY: pattern at offset 96; a FILE_DIRECTORY_INFORMATION chain decodes', () => {
    const q = encodeQueryDirectoryRequest(RELATED_FILE_ID, '*.m3u8', 1, 1, 65536);
    assert.equal(q.readUInt16LE(24), 96);
    assert.equal(q.subarray(32, 32 + q.readUInt16LE(26)).toString('utf16le'), '*.m3u8');
    const entry = (name: string, size: bigint, last: boolean): Buffer => {
      const n = Buffer.from(name, 'utf16le');
      const e = Buffer.alloc((64 + n.length + 7) & ~7);
      e.writeUInt32LE(last ? 0 : e.length, 0);
      e.writeBigUInt64LE(size, 40);
      e.writeUInt32LE(0x20, 56);
      e.writeUInt32LE(n.length, 60);
      n.copy(e, 64);
      return e;
    };
    const list = decodeDirectoryInformation(Buffer.concat([entry('a.m3u8', 10n, false), entry('b b.m3u8', 20n, true)]));
    assert.deepEqual(
      list.map((e) => [e.name, e.endOfFile, e.isDirectory]),
      [
        ['a.m3u8', 10n, false],
        ['b b.m3u8', 20n, false],
      ],
    );
  });
});

describe('signing', () => {
  const message = (): Buffer => Buffer.concat([encodeHeader(header()), Buffer.from('some body bytes, not a multiple of sixteen')]);

  test('HMAC-SHA256 (2.x): the first 16 bytes of HMAC over the message with a zeroed signature', () => {
    const key = Buffer.alloc(16, 7);
    const msg = message();
    new Signer('hmac-sha256', key).sign(msg);
    assert.ok(msg.readUInt32LE(16) & HeaderFlag.Signed, 'the SIGNED flag is set');
    const copy = Buffer.from(msg);
    copy.fill(0, 48, 64);
    const want = createHmac('sha256', key).update(copy).digest().subarray(0, 16);
    assert.ok(msg.subarray(48, 64).equals(want));
  });

  test('AES-CMAC (3.x): the MAC over the message with a zeroed signature', () => {
    const key = Buffer.alloc(16, 9);
    const msg = message();
    new Signer('aes-cmac', key).sign(msg);
    const copy = Buffer.from(msg);
    copy.fill(0, 48, 64);
    assert.ok(msg.subarray(48, 64).equals(Buffer.from(new AesCmac(key).mac(copy))));
  });

  test('verify accepts the right signature, refuses a changed byte or key, and leaves the message as it was', () => {
    for (const alg of ['hmac-sha256', 'aes-cmac'] as const) {
      const signer = new Signer(alg, Buffer.alloc(16, 3));
      const msg = message();
      signer.sign(msg);
      const before = Buffer.from(msg);
      assert.equal(signer.verify(msg), true);
      assert.ok(msg.equals(before));
      msg[70] = (msg[70] as number) ^ 1;
      assert.equal(signer.verify(msg), false, `${alg}: a changed body byte`);
      msg[70] = (msg[70] as number) ^ 1;
      assert.equal(new Signer(alg, Buffer.alloc(16, 4)).verify(msg), false, `${alg}: another key`);
    }
  });

  test('the signing key per dialect: the session key for 2.x, the SP 800-108 KDF for 3.0 and 3.1.1', () => {
    const sessionKey = Buffer.from('7CD451825D0450D235424E44BA6E78CC', 'hex');
    const sign = (s: Signer): Buffer => {
      const m = message();
      s.sign(m);
      return Buffer.from(m.subarray(48, 64));
    };
    assert.ok(sign(createSigner(Dialect.Smb210, sessionKey)).equals(sign(new Signer('hmac-sha256', sessionKey))));
    // Microsoft's SMB 3.0 example: this session key gives SigningKey 0B7E9C5C…
    assert.ok(sign(createSigner(Dialect.Smb300, sessionKey)).equals(sign(new Signer('aes-cmac', Buffer.from('0B7E9C5CAC36C0F6EA9AB275298CEDCE', 'hex')))));
    const preauth = new Uint8Array(64).fill(2);
    const key311 = kdfCounterHmacSha256(sessionKey, cString('SMBSigningKey'), preauth);
    assert.ok(sign(createSigner(Dialect.Smb311, sessionKey, preauth)).equals(sign(new Signer('aes-cmac', key311))));
    assert.throws(() => createSigner(Dialect.Smb311, sessionKey), /preauth/);
  });
});
