// NTLMv2 against the worked example of [MS-NLMP] 4.2.4 (user "User", domain
// "Domain", password "Password", server challenge 0123456789abcdef, client
// challenge aa…aa, time 0, random session key 55…55) and its GSS keys
// (4.2.4.4); the MIC and SPNEGO's mechListMIC against a Windows 10 sign-in
// Microsoft published; and SPNEGO wrapping.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  CLIENT_FLAGS,
  computeMic,
  decodeChallengeMessage,
  MIC_OFFSET,
  NtlmClient,
  NtlmFlag,
  ntlmv2Response,
  ntowfv2,
} from '../../../../src/ingest/smb/ntlm.js';
import { AV_FLAG_MIC_PRESENT, AvId, clientTargetInfo, encodeAvPairs, parseAvPairs } from '../../../../src/ingest/smb/ntlm-av-pairs.js';
import { messageSignature, sealKey, signKey, verifyServerSignature } from '../../../../src/ingest/smb/ntlm-gss.js';
import { rc4 } from '../../../../src/ingest/smb/rc4.js';
import { decodeNegTokenResp, encodeNegTokenInit, encodeNegTokenResp, MECH_TYPES, NTLMSSP_OID } from '../../../../src/ingest/smb/spnego.js';
import * as windows from './vectors/windows-311-sign-in.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** The CHALLENGE_MESSAGE of MS-NLMP 4.2.4.3 (flags e28a8233, target "Server", AV pairs Domain/Server). */
const SPEC_CHALLENGE = bytes(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000',
);
const TARGET_INFO = bytes('02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000');
const NT_RESPONSE =
  '68cd0ab851e51c96aabc927bebef6a1c' +
  '01010000000000000000000000000000' +
  'aaaaaaaaaaaaaaaa0000000002000c00' +
  '44006f006d00610069006e0001000c00' +
  '53006500720076006500720000000000' +
  '00000000';
/** FILETIME 0 is 1601-01-01, 11 644 473 600 s before the epoch. */
const TIME_ZERO_MS = -11_644_473_600_000;

/** Reads one (len, maxlen, offset) field of an NTLM message. */
function field(msg: Uint8Array, at: number): Uint8Array {
  const v = Buffer.from(msg);
  const len = v.readUInt16LE(at);
  const off = v.readUInt32LE(at + 4);
  return msg.subarray(off, off + len);
}

describe('NTLMv2 (MS-NLMP 4.2.4)', () => {
  test('NTOWFv2 (4.2.4.1.1), and the user name is case-blind while the domain is not', () => {
    assert.equal(hex(ntowfv2('Password', 'User', 'Domain')), '0c868a403bfd7a93a3001ef22ef02e3f');
    assert.equal(hex(ntowfv2('Password', 'user', 'Domain')), '0c868a403bfd7a93a3001ef22ef02e3f');
    assert.notEqual(hex(ntowfv2('Password', 'User', 'domain')), '0c868a403bfd7a93a3001ef22ef02e3f');
  });

  test('LMv2 and NTLMv2 responses and the session base key (4.2.4.1.2, 4.2.4.2)', () => {
    const r = ntlmv2Response({
      responseKey: bytes('0c868a403bfd7a93a3001ef22ef02e3f'),
      serverChallenge: bytes('0123456789abcdef'),
      clientChallenge: bytes('aaaaaaaaaaaaaaaa'),
      timestamp: new Uint8Array(8),
      targetInfo: TARGET_INFO,
    });
    assert.equal(hex(r.ntProofStr), '68cd0ab851e51c96aabc927bebef6a1c');
    assert.equal(hex(r.ntChallengeResponse), NT_RESPONSE);
    assert.equal(hex(r.lmChallengeResponse), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    assert.equal(hex(r.sessionBaseKey), '8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  test('the CHALLENGE message of 4.2.4.3 decodes', () => {
    const c = decodeChallengeMessage(SPEC_CHALLENGE);
    assert.equal(c.flags >>> 0, 0xe28a8233);
    assert.equal(hex(c.serverChallenge), '0123456789abcdef');
    assert.equal(c.targetName, 'Server');
    assert.equal(hex(c.targetInfo), hex(TARGET_INFO));
    assert.equal(c.timestamp, undefined);
    const pairs = parseAvPairs(c.targetInfo);
    assert.deepEqual(
      pairs.map((p) => [p.id, Buffer.from(p.value).toString('utf16le')]),
      [
        [AvId.NbDomainName, 'Domain'],
        [AvId.NbComputerName, 'Server'],
      ],
    );
    assert.equal(hex(encodeAvPairs(pairs)), hex(TARGET_INFO));
  });

  test('NtlmClient builds the AUTHENTICATE message of the example as Windows lays it out: MIC, extended AV pairs, key exchange', () => {
    const random = [bytes('aaaaaaaaaaaaaaaa'), new Uint8Array(16).fill(0x55)];
    const client = new NtlmClient(
      { user: 'User', password: 'Password', domain: 'Domain', workstation: 'COMPUTER' },
      { targetName: 'cifs/Server', random: () => random.shift() as Uint8Array, now: () => TIME_ZERO_MS },
    );
    const negotiate = client.negotiate();
    assert.equal(Buffer.from(negotiate.subarray(0, 8)).toString('latin1'), 'NTLMSSP\0');
    assert.equal(Buffer.from(negotiate).readUInt32LE(12), CLIENT_FLAGS);
    // Never NTLMv1-only, never LM: the flags ask for extended session security.
    assert.ok(CLIENT_FLAGS & NtlmFlag.ExtendedSessionSecurity);

    const { message, sessionKey, anonymous } = client.authenticate(SPEC_CHALLENGE);
    assert.equal(anonymous, false);
    assert.equal(hex(sessionKey as Uint8Array), '55'.repeat(16));
    const v = Buffer.from(message);
    assert.equal(v.readUInt32LE(8), 3);
    assert.equal(hex(field(message, 12)), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa', 'LMv2 (4.2.4.2.1)');
    assert.equal(Buffer.from(field(message, 28)).toString('utf16le'), 'Domain');
    assert.equal(Buffer.from(field(message, 36)).toString('utf16le'), 'User');
    assert.equal(Buffer.from(field(message, 44)).toString('utf16le'), 'COMPUTER');
    const flags = v.readUInt32LE(60);
    assert.ok(flags & NtlmFlag.KeyExchange);
    assert.ok(flags & NtlmFlag.Unicode);
    assert.equal(flags & NtlmFlag.Anonymous, 0);

    // The NT response is NTLMv2 over the server's pairs plus MIC flag, empty channel bindings and the SPN.
    const info = clientTargetInfo(TARGET_INFO, 'cifs/Server');
    const want = ntlmv2Response({
      responseKey: ntowfv2('Password', 'User', 'Domain'),
      serverChallenge: bytes('0123456789abcdef'),
      clientChallenge: bytes('aaaaaaaaaaaaaaaa'),
      timestamp: new Uint8Array(8),
      targetInfo: info,
    });
    assert.equal(hex(field(message, 20)), hex(want.ntChallengeResponse));
    assert.equal(hex(field(message, 20).subarray(44, 44 + info.length)), hex(info), 'the pairs follow the blob header');
    // Key exchange as 4.2.4.2.3, with the session base key of this (longer) response.
    assert.equal(hex(field(message, 52)), hex(rc4(want.sessionBaseKey, new Uint8Array(16).fill(0x55))));

    // Windows' layout: an 88-byte header (VERSION, MIC), then domain, user, workstation, LM, NT, key.
    const offsets = [28, 36, 44, 12, 20, 52].map((at) => v.readUInt32LE(at + 4));
    assert.equal(offsets[0], 88);
    for (let i = 1; i < offsets.length; i++) assert.ok((offsets[i] as number) > (offsets[i - 1] as number), 'payload in Windows order');
    assert.equal(hex(v.subarray(64, 72)), '0a0000000000000f', 'VERSION');

    // The MIC: HMAC-MD5(exported session key, NEGOTIATE || CHALLENGE || AUTHENTICATE with a zero MIC).
    const zeroed = Buffer.from(message);
    zeroed.fill(0, MIC_OFFSET, MIC_OFFSET + 16);
    const mic = createHmac('md5', Buffer.alloc(16, 0x55)).update(negotiate).update(SPEC_CHALLENGE).update(zeroed).digest();
    assert.equal(hex(v.subarray(MIC_OFFSET, MIC_OFFSET + 16)), hex(mic));
  });

  test('the AV pairs Windows adds: MsvAvFlags "MIC present" (or\'ed into the server\'s), zero channel bindings, the SPN', () => {
    const pairs = parseAvPairs(clientTargetInfo(TARGET_INFO, 'cifs/nas'));
    assert.deepEqual(
      pairs.map((p) => p.id),
      [AvId.NbDomainName, AvId.NbComputerName, AvId.Flags, AvId.ChannelBindings, AvId.TargetName],
    );
    assert.equal(hex(pairs[2]?.value as Uint8Array), '02000000');
    assert.equal(hex(pairs[3]?.value as Uint8Array), '00'.repeat(16));
    assert.equal(Buffer.from(pairs[4]?.value as Uint8Array).toString('utf16le'), 'cifs/nas');
    const withFlags = encodeAvPairs([...parseAvPairs(TARGET_INFO), { id: AvId.Flags, value: bytes('01000000') }]);
    const merged = parseAvPairs(clientTargetInfo(withFlags, 'cifs/nas')).filter((p) => p.id === AvId.Flags);
    assert.equal(merged.length, 1, 'one MsvAvFlags');
    assert.equal(Buffer.from(merged[0]?.value as Uint8Array).readUInt32LE(0), 0x1 | AV_FLAG_MIC_PRESENT);
    // The same list that Windows 10 sent in the published sign-in, less its MsvAvSingleHost.
    const auth = windows.ntlmMessage(windows.SESSION_SETUP_REQUEST_2, 0x1a6);
    const winPairs = parseAvPairs(field(auth, 20).subarray(44));
    assert.deepEqual(
      winPairs.map((p) => p.id).filter((id) => id !== AvId.SingleHost).slice(-3),
      [AvId.Flags, AvId.ChannelBindings, AvId.TargetName],
    );
    assert.equal(Buffer.from(winPairs.find((p) => p.id === AvId.TargetName)?.value as Uint8Array).toString('utf16le'), 'cifs/SUT311');
    assert.equal(hex(winPairs.find((p) => p.id === AvId.ChannelBindings)?.value as Uint8Array), '00'.repeat(16));
  });

  test('the MIC of the published Windows 10 sign-in', () => {
    const negotiate = windows.ntlmMessage(windows.SESSION_SETUP_REQUEST_1, 40);
    const challenge = windows.ntlmMessage(windows.SESSION_SETUP_RESPONSE_1, 0x94);
    const auth = windows.ntlmMessage(windows.SESSION_SETUP_REQUEST_2, 0x1a6);
    assert.equal(hex(auth.subarray(MIC_OFFSET, MIC_OFFSET + 16)), 'ecac77a5f385a8bf9c38c706eeeddcd3');
    assert.equal(hex(computeMic(windows.SESSION_KEY, negotiate, challenge, auth)), 'ecac77a5f385a8bf9c38c706eeeddcd3');
  });

  test('with a server timestamp the client uses it and sends a zero LMv2 response', () => {
    const ts = bytes('0090d336b734c301');
    const info = encodeAvPairs([
      { id: AvId.NbDomainName, value: new Uint8Array(Buffer.from('Domain', 'utf16le')) },
      { id: AvId.Timestamp, value: ts },
    ]);
    const challenge = Buffer.from(SPEC_CHALLENGE.subarray(0, 56));
    challenge.writeUInt16LE(info.length, 40);
    challenge.writeUInt16LE(info.length, 42);
    challenge.writeUInt32LE(56, 44);
    challenge.writeUInt16LE(0, 12); // no target name
    const msg = new Uint8Array(Buffer.concat([challenge, info]));
    const client = new NtlmClient({ user: 'User', password: 'Password', domain: 'Domain' });
    const { message } = client.authenticate(msg);
    assert.equal(hex(field(message, 12)), '00'.repeat(24));
    const nt = field(message, 20);
    assert.equal(hex(nt.subarray(24, 32)), hex(ts), 'the blob carries the server time');
  });

  test('empty user and password sign in anonymously: no NT response, one zero LM byte, no key, a zero MIC', () => {
    const client = new NtlmClient({ user: '', password: '', domain: '' });
    assert.equal(client.anonymous, true);
    const { message, sessionKey, anonymous } = client.authenticate(SPEC_CHALLENGE);
    assert.equal(anonymous, true);
    assert.equal(sessionKey, undefined);
    assert.equal(hex(message.subarray(MIC_OFFSET, MIC_OFFSET + 16)), '00'.repeat(16));
    assert.equal(client.mechListMic(MECH_TYPES), undefined, 'no key, no mechListMIC');
    assert.equal(hex(field(message, 12)), '00');
    assert.equal(field(message, 20).length, 0);
    assert.equal(field(message, 52).length, 0);
    const flags = Buffer.from(message).readUInt32LE(60);
    assert.ok(flags & NtlmFlag.Anonymous);
    assert.equal(flags & NtlmFlag.KeyExchange, 0);
  });

  test('a message that is not a CHALLENGE is refused', () => {
    assert.throws(() => decodeChallengeMessage(new Uint8Array(10)), /CHALLENGE/);
    const truncated = Buffer.from(SPEC_CHALLENGE.subarray(0, 60));
    assert.throws(() => decodeChallengeMessage(new Uint8Array(truncated)), /truncated/);
  });
});

describe('NTLM session security (GSS_GetMIC) and SPNEGO\'s mechListMIC', () => {
  const flags = 0xe28a8233;

  test('MS-NLMP 4.2.4.4: the client\'s SealKey and SignKey from the random session key 55…55', () => {
    const key = new Uint8Array(16).fill(0x55);
    assert.equal(hex(sealKey(key, flags, 'client-to-server')), '59f600973cc4960a25480a7c196e4c58');
    assert.equal(hex(signKey(key, 'client-to-server')), '4788dc861b4782f35d43fd98fe1a2d39');
  });

  test('MS-NLMP 4.2.4.4: the checksum of "Plaintext" and, after sealing it, the RC4-encrypted checksum', () => {
    const key = new Uint8Array(16).fill(0x55);
    const plaintext = new Uint8Array(Buffer.from('Plaintext', 'utf16le'));
    const checksum = createHmac('md5', signKey(key, 'client-to-server')).update(new Uint8Array(4)).update(plaintext).digest().subarray(0, 8);
    assert.equal(hex(checksum), '70352851f2564309');
    // SEAL runs one RC4 stream over the message, then the checksum.
    const sealed = rc4(sealKey(key, flags, 'client-to-server'), Buffer.concat([plaintext, checksum]));
    assert.equal(hex(sealed.subarray(0, 18)), '54e50165bf1936dc996020c1811b0f06fb5f');
    assert.equal(hex(sealed.subarray(18)), '7fb38ec5c55d4976');
  });

  test('the mechListMIC of the published Windows 10 sign-in: GetMIC over the DER mechanism list', () => {
    // Windows offered NTLMSSP alone, as sharecast does: the same MechTypeList bytes.
    assert.ok(windows.SESSION_SETUP_REQUEST_1.includes(Buffer.from(MECH_TYPES)));
    const sig = messageSignature(windows.SESSION_KEY, 0xe2888215, 'client-to-server', 0, MECH_TYPES);
    assert.equal(hex(sig), '0100000063775a9a5fd97f0600000000');
    assert.ok(windows.SESSION_SETUP_REQUEST_2.includes(Buffer.from(sig)), 'the bytes Windows sent');
  });

  test('NtlmClient signs the mechanism list with its session, and checks the server\'s signature with the other direction\'s keys', () => {
    const random = [bytes('aaaaaaaaaaaaaaaa'), new Uint8Array(16).fill(0x55)];
    const client = new NtlmClient({ user: 'User', password: 'Password', domain: 'Domain' }, { random: () => random.shift() as Uint8Array });
    client.negotiate();
    const { message } = client.authenticate(SPEC_CHALLENGE);
    const used = Buffer.from(message).readUInt32LE(60);
    const key = new Uint8Array(16).fill(0x55);
    assert.equal(hex(client.mechListMic(MECH_TYPES) as Uint8Array), hex(messageSignature(key, used, 'client-to-server', 0, MECH_TYPES)));
    const fromServer = messageSignature(key, used, 'server-to-client', 0, MECH_TYPES);
    assert.ok(client.verifyServerMechListMic(MECH_TYPES, fromServer));
    assert.ok(verifyServerSignature(key, used, MECH_TYPES, fromServer));
    assert.ok(!client.verifyServerMechListMic(MECH_TYPES, client.mechListMic(MECH_TYPES) as Uint8Array), 'the client\'s own signature is not the server\'s');
    const bad = Uint8Array.from(fromServer);
    bad[5] = (bad[5] as number) ^ 1;
    assert.ok(!client.verifyServerMechListMic(MECH_TYPES, bad));
  });
});

describe('SPNEGO', () => {
  test('NegTokenInit offers NTLMSSP and carries the token', () => {
    const token = new Uint8Array(300).fill(7); // long enough for long-form lengths
    const init = Buffer.from(encodeNegTokenInit(token));
    assert.equal(init[0], 0x60);
    assert.ok(init.includes(Buffer.from([0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02])), 'SPNEGO OID');
    assert.ok(init.includes(Buffer.from([0x06, 0x0a, ...NTLMSSP_OID])), 'NTLMSSP OID');
    assert.ok(init.subarray(init.length - 300).equals(Buffer.from(token)));
    // The outer length covers exactly the rest.
    assert.equal(init[1], 0x82);
    assert.equal(init.readUInt16BE(2), init.length - 4);
  });

  test('a server NegTokenResp decodes: state, mech, token, MIC', () => {
    const token = new Uint8Array(200).fill(9);
    const mic = new Uint8Array(16).fill(1);
    const seq = Buffer.concat([
      Buffer.from([0xa0, 0x03, 0x0a, 0x01, 0x01]),
      Buffer.from([0xa1, 0x0c, 0x06, 0x0a, ...NTLMSSP_OID]),
      Buffer.from([0xa2, 0x81, 0xcb, 0x04, 0x81, 0xc8]),
      token,
      Buffer.from([0xa3, 0x12, 0x04, 0x10]),
      mic,
    ]);
    const resp = Buffer.concat([Buffer.from([0xa1, 0x81, seq.length + 3, 0x30, 0x81, seq.length]), seq]);
    const d = decodeNegTokenResp(new Uint8Array(resp));
    assert.equal(d.negState, 1);
    assert.equal(hex(d.supportedMech as Uint8Array), hex(NTLMSSP_OID));
    assert.equal(hex(d.responseToken as Uint8Array), hex(token));
    assert.equal(hex(d.mechListMic as Uint8Array), hex(mic));
  });

  test('our own NegTokenResp round-trips, with and without a mechListMIC, and bad DER is refused', () => {
    const token = new Uint8Array(70000).fill(3);
    const d = decodeNegTokenResp(encodeNegTokenResp(token));
    assert.equal((d.responseToken as Uint8Array).length, 70000);
    assert.equal(d.mechListMic, undefined);
    const mic = new Uint8Array(16).fill(4);
    const m = decodeNegTokenResp(encodeNegTokenResp(new Uint8Array([1, 2, 3]), mic));
    assert.equal(hex(m.responseToken as Uint8Array), '010203');
    assert.equal(hex(m.mechListMic as Uint8Array), hex(mic));
    assert.throws(() => decodeNegTokenResp(new Uint8Array([0xa1, 0x05, 0x30, 0x10])), /truncated/);
    assert.throws(() => decodeNegTokenResp(new Uint8Array([0x60, 0x00])), /NegTokenResp/);
  });
});
