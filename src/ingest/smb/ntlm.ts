import { createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4.js';
import { rc4 } from './rc4.js';

/**
 * The client side of NTLMSSP with NTLMv2 only ([MS-NLMP]): the NEGOTIATE
 * message, the CHALLENGE it gets back, and the AUTHENTICATE message with the
 * NTLMv2 response and key exchange. It yields the exported session key that
 * SMB2 signs with. NTLMv1 and LM are never sent.
 */

export const NtlmFlag = {
  Unicode: 0x00000001,
  Oem: 0x00000002,
  RequestTarget: 0x00000004,
  Sign: 0x00000010,
  Seal: 0x00000020,
  Ntlm: 0x00000200,
  Anonymous: 0x00000800,
  AlwaysSign: 0x00008000,
  TargetTypeDomain: 0x00010000,
  TargetTypeServer: 0x00020000,
  ExtendedSessionSecurity: 0x00080000,
  TargetInfo: 0x00800000,
  Version: 0x02000000,
  Key128: 0x20000000,
  KeyExchange: 0x40000000,
  Key56: 0x80000000,
} as const;

/** What the client asks for: NTLMv2 with extended session security, signing and key exchange. */
export const CLIENT_FLAGS =
  (NtlmFlag.Unicode |
    NtlmFlag.RequestTarget |
    NtlmFlag.Sign |
    NtlmFlag.Ntlm |
    NtlmFlag.AlwaysSign |
    NtlmFlag.ExtendedSessionSecurity |
    NtlmFlag.Version |
    NtlmFlag.Key128 |
    NtlmFlag.KeyExchange |
    NtlmFlag.Key56) >>>
  0;

export const AvId = {
  Eol: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  DnsComputerName: 3,
  DnsDomainName: 4,
  DnsTreeName: 5,
  Flags: 6,
  Timestamp: 7,
  SingleHost: 8,
  TargetName: 9,
  ChannelBindings: 10,
} as const;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
/** Windows 10.0, NTLM revision 15 ([MS-NLMP] 2.2.2.10). */
const VERSION = Uint8Array.from([10, 0, 0, 0, 0, 0, 0, 0x0f]);

function utf16(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

function hmacMd5(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)) ([MS-NLMP] 3.3.2). */
export function ntowfv2(password: string, user: string, domain: string): Uint8Array {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

export interface Ntlmv2ResponseInput {
  responseKey: Uint8Array;
  serverChallenge: Uint8Array;
  clientChallenge: Uint8Array;
  /** FILETIME, 8 bytes little-endian. */
  timestamp: Uint8Array;
  /** The AV pairs the client returns (the server's, possibly extended), ending in MsvAvEOL. */
  targetInfo: Uint8Array;
}

export interface Ntlmv2Response {
  ntProofStr: Uint8Array;
  ntChallengeResponse: Uint8Array;
  lmChallengeResponse: Uint8Array;
  sessionBaseKey: Uint8Array;
}

/** ComputeResponse for NTLMv2 ([MS-NLMP] 3.3.2). */
export function ntlmv2Response(input: Ntlmv2ResponseInput): Ntlmv2Response {
  const temp = Buffer.concat([
    Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0]),
    input.timestamp,
    input.clientChallenge,
    new Uint8Array(4),
    input.targetInfo,
    new Uint8Array(4),
  ]);
  const ntProofStr = hmacMd5(input.responseKey, input.serverChallenge, temp);
  const lm = hmacMd5(input.responseKey, input.serverChallenge, input.clientChallenge);
  return {
    ntProofStr,
    ntChallengeResponse: new Uint8Array(Buffer.concat([ntProofStr, temp])),
    lmChallengeResponse: new Uint8Array(Buffer.concat([lm, input.clientChallenge])),
    sessionBaseKey: hmacMd5(input.responseKey, ntProofStr),
  };
}

export interface AvPair {
  id: number;
  value: Uint8Array;
}

export function parseAvPairs(buf: Uint8Array): AvPair[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const pairs: AvPair[] = [];
  for (let at = 0; at + 4 <= view.length; ) {
    const id = view.readUInt16LE(at);
    const len = view.readUInt16LE(at + 2);
    if (id === AvId.Eol) break;
    if (at + 4 + len > view.length) throw new Error('NTLM target info is truncated');
    pairs.push({ id, value: buf.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  return pairs;
}

export function encodeAvPairs(pairs: AvPair[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  parts.push(new Uint8Array(4));
  return new Uint8Array(Buffer.concat(parts));
}

/** NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1), with no domain or workstation. */
export function encodeNegotiateMessage(flags = CLIENT_FLAGS): Uint8Array {
  const msg = Buffer.alloc(40);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(flags >>> 0, 12);
  // DomainNameFields and WorkstationFields: empty, offset at the end.
  msg.writeUInt32LE(40, 20);
  msg.writeUInt32LE(40, 28);
  Buffer.from(VERSION).copy(msg, 32);
  return new Uint8Array(msg);
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Uint8Array;
  targetName: string;
  targetInfo: Uint8Array;
  /** MsvAvTimestamp, when the server sent one. */
  timestamp: Uint8Array | undefined;
}

/** CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2). */
export function decodeChallengeMessage(buf: Uint8Array): ChallengeMessage {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < 48 || !view.subarray(0, 8).equals(SIGNATURE) || view.readUInt32LE(8) !== 2) {
    throw new Error('the server sent no NTLM CHALLENGE message');
  }
  const field = (at: number): Uint8Array => {
    const len = view.readUInt16LE(at);
    const off = view.readUInt32LE(at + 4);
    if (len === 0) return new Uint8Array(0);
    if (off + len > view.length) throw new Error('NTLM CHALLENGE message is truncated');
    return buf.subarray(off, off + len);
  };
  const flags = view.readUInt32LE(20);
  const nameBytes = field(12);
  const targetName =
    flags & NtlmFlag.Unicode
      ? Buffer.from(nameBytes).toString('utf16le')
      : Buffer.from(nameBytes).toString('latin1');
  const targetInfo = flags & NtlmFlag.TargetInfo ? field(40) : new Uint8Array(0);
  const timestamp = parseAvPairs(targetInfo).find((p) => p.id === AvId.Timestamp)?.value;
  return {
    flags,
    serverChallenge: buf.subarray(24, 32),
    targetName,
    targetInfo,
    timestamp: timestamp?.length === 8 ? timestamp : undefined,
  };
}

export interface AuthenticateFields {
  flags: number;
  lmChallengeResponse: Uint8Array;
  ntChallengeResponse: Uint8Array;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Uint8Array;
}

/** AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3), with the VERSION field and no MIC. */
export function encodeAuthenticateMessage(f: AuthenticateFields): Uint8Array {
  const unicode = (f.flags & NtlmFlag.Unicode) !== 0;
  const str = (s: string): Buffer => (unicode ? utf16(s) : Buffer.from(s, 'latin1'));
  const payloads: Uint8Array[] = [
    f.lmChallengeResponse,
    f.ntChallengeResponse,
    str(f.domain),
    str(f.user),
    str(f.workstation),
    f.encryptedRandomSessionKey,
  ];
  const fixed = 72;
  const head = Buffer.alloc(fixed);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(3, 8);
  let offset = fixed;
  payloads.forEach((p, i) => {
    const at = 12 + i * 8;
    head.writeUInt16LE(p.length, at);
    head.writeUInt16LE(p.length, at + 2);
    head.writeUInt32LE(offset, at + 4);
    offset += p.length;
  });
  head.writeUInt32LE(f.flags >>> 0, 60);
  Buffer.from(VERSION).copy(head, 64);
  return new Uint8Array(Buffer.concat([head, ...payloads]));
}

/** Microseconds are enough: FILETIME counts 100 ns since 1601-01-01. */
export function fileTimeNow(now = Date.now()): Uint8Array {
  const t = BigInt(now) * 10000n + 116444736000000000n;
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(t);
  return new Uint8Array(out);
}

export interface NtlmCredentials {
  user: string;
  password: string;
  domain: string;
  workstation?: string;
}

export interface NtlmResult {
  message: Uint8Array;
  /** The key SMB2 derives its signing key from; undefined for an anonymous sign-in. */
  sessionKey: Uint8Array | undefined;
  anonymous: boolean;
}

/**
 * One NTLM sign-in. An empty user and password sign in anonymously
 * ([MS-NLMP] 3.2.5.1.2: an empty NT response and a one-byte LM response).
 */
export class NtlmClient {
  private readonly creds: NtlmCredentials;
  private readonly random: (n: number) => Uint8Array;
  private readonly now: () => number;

  constructor(creds: NtlmCredentials, opts: { random?: (n: number) => Uint8Array; now?: () => number } = {}) {
    this.creds = creds;
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.now = opts.now ?? Date.now;
  }

  get anonymous(): boolean {
    return this.creds.user === '' && this.creds.password === '';
  }

  negotiate(): Uint8Array {
    return encodeNegotiateMessage(CLIENT_FLAGS);
  }

  authenticate(challengeBytes: Uint8Array): NtlmResult {
    const challenge = decodeChallengeMessage(challengeBytes);
    const workstation = this.creds.workstation ?? 'SHARECAST';
    let flags = (CLIENT_FLAGS & challenge.flags) >>> 0;
    if (!(flags & NtlmFlag.Unicode)) flags = (flags | NtlmFlag.Oem) >>> 0;
    if (this.anonymous) {
      flags = (flags & ~NtlmFlag.KeyExchange) >>> 0;
      flags = (flags | NtlmFlag.Anonymous) >>> 0;
      const message = encodeAuthenticateMessage({
        flags,
        lmChallengeResponse: new Uint8Array(1),
        ntChallengeResponse: new Uint8Array(0),
        domain: '',
        user: '',
        workstation,
        encryptedRandomSessionKey: new Uint8Array(0),
      });
      return { message, sessionKey: undefined, anonymous: true };
    }
    const responseKey = ntowfv2(this.creds.password, this.creds.user, this.creds.domain);
    const clientChallenge = this.random(8);
    const r = ntlmv2Response({
      responseKey,
      serverChallenge: challenge.serverChallenge,
      clientChallenge,
      timestamp: challenge.timestamp ?? fileTimeNow(this.now()),
      targetInfo: challenge.targetInfo.length > 0 ? challenge.targetInfo : encodeAvPairs([]),
    });
    // With a server timestamp the LMv2 response SHOULD be zeros ([MS-NLMP] 3.1.5.1.2).
    const lmChallengeResponse = challenge.timestamp ? new Uint8Array(24) : r.lmChallengeResponse;
    const keyExchangeKey = r.sessionBaseKey;
    let sessionKey = keyExchangeKey;
    let encryptedRandomSessionKey: Uint8Array = new Uint8Array(0);
    if (flags & NtlmFlag.KeyExchange) {
      sessionKey = this.random(16);
      encryptedRandomSessionKey = rc4(keyExchangeKey, sessionKey);
    }
    const message = encodeAuthenticateMessage({
      flags,
      lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domain: this.creds.domain,
      user: this.creds.user,
      workstation,
      encryptedRandomSessionKey,
    });
    return { message, sessionKey, anonymous: false };
  }
}
