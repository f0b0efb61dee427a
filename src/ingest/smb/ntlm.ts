import { createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4.js';
import { AvId, clientTargetInfo, parseAvPairs } from './ntlm-av-pairs.js';
import { messageSignature, verifyServerSignature } from './ntlm-gss.js';
import { rc4 } from './rc4.js';

/**
 * The client side of NTLMSSP with NTLMv2 only ([MS-NLMP]): the NEGOTIATE
 * message, the CHALLENGE it gets back, and the AUTHENTICATE message with the
 * NTLMv2 response, key exchange and the MIC, laid out as Windows lays them
 * out. It yields the exported session key that SMB2 signs with. NTLMv1 and LM
 * are never sent.
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
  /** 16 bytes; zeros while the MIC is computed (and for anonymous sign-ins). */
  mic?: Uint8Array;
}

/** Where the MIC sits in an AUTHENTICATE message: after the VERSION field. */
export const MIC_OFFSET = 72;
const AUTHENTICATE_HEADER = 88;

/**
 * AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3) with the VERSION and MIC fields,
 * and the payload in Windows' order: domain, user, workstation, LM and NT
 * responses, session key. Servers find the fields by offset; some (impacket)
 * read them in this order regardless.
 */
export function encodeAuthenticateMessage(f: AuthenticateFields): Uint8Array {
  const unicode = (f.flags & NtlmFlag.Unicode) !== 0;
  const str = (s: string): Buffer => (unicode ? utf16(s) : Buffer.from(s, 'latin1'));
  // Field slots in the header, in header order, and the payload order.
  const lm = { slot: 12, data: f.lmChallengeResponse };
  const nt = { slot: 20, data: f.ntChallengeResponse };
  const domain = { slot: 28, data: str(f.domain) };
  const user = { slot: 36, data: str(f.user) };
  const workstation = { slot: 44, data: str(f.workstation) };
  const key = { slot: 52, data: f.encryptedRandomSessionKey };
  const payload = [domain, user, workstation, lm, nt, key];
  const head = Buffer.alloc(AUTHENTICATE_HEADER);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(3, 8);
  let offset = AUTHENTICATE_HEADER;
  for (const p of payload) {
    head.writeUInt16LE(p.data.length, p.slot);
    head.writeUInt16LE(p.data.length, p.slot + 2);
    head.writeUInt32LE(offset, p.slot + 4);
    offset += p.data.length;
  }
  head.writeUInt32LE(f.flags >>> 0, 60);
  Buffer.from(VERSION).copy(head, 64);
  if (f.mic) Buffer.from(f.mic).copy(head, MIC_OFFSET, 0, 16);
  return new Uint8Array(Buffer.concat([head, ...payload.map((p) => p.data)]));
}

/**
 * The MIC ([MS-NLMP] 3.1.5.1.2): HMAC-MD5 with the exported session key over
 * the NEGOTIATE, CHALLENGE and AUTHENTICATE messages, the last with its MIC
 * field zeroed.
 */
export function computeMic(exportedSessionKey: Uint8Array, negotiate: Uint8Array, challenge: Uint8Array, authenticate: Uint8Array): Uint8Array {
  const auth = Buffer.from(authenticate);
  auth.fill(0, MIC_OFFSET, MIC_OFFSET + 16);
  return hmacMd5(exportedSessionKey, negotiate, challenge, auth);
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

export interface NtlmClientOptions {
  /** The service principal name for MsvAvTargetName, e.g. "cifs/nas". */
  targetName?: string;
  random?: (n: number) => Uint8Array;
  now?: () => number;
}

/**
 * One NTLM sign-in. An empty user and password sign in anonymously
 * ([MS-NLMP] 3.2.5.1.2: an empty NT response and a one-byte LM response).
 */
export class NtlmClient {
  private readonly creds: NtlmCredentials;
  private readonly targetName: string;
  private readonly random: (n: number) => Uint8Array;
  private readonly now: () => number;
  private negotiateMessage: Uint8Array | undefined;
  /** After authenticate(): the flags and key the session's GSS signatures use. */
  private security: { flags: number; sessionKey: Uint8Array } | undefined;

  constructor(creds: NtlmCredentials, opts: NtlmClientOptions = {}) {
    this.creds = creds;
    this.targetName = opts.targetName ?? '';
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.now = opts.now ?? Date.now;
  }

  get anonymous(): boolean {
    return this.creds.user === '' && this.creds.password === '';
  }

  negotiate(): Uint8Array {
    this.negotiateMessage = encodeNegotiateMessage(CLIENT_FLAGS);
    return this.negotiateMessage;
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
      targetInfo: clientTargetInfo(challenge.targetInfo, this.targetName),
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
    const fields: AuthenticateFields = {
      flags,
      lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domain: this.creds.domain,
      user: this.creds.user,
      workstation,
      encryptedRandomSessionKey,
    };
    // The MIC covers the message with a zero MIC field, then goes into it.
    const unsigned = encodeAuthenticateMessage(fields);
    const mic = computeMic(sessionKey, this.negotiateMessage ?? encodeNegotiateMessage(CLIENT_FLAGS), challengeBytes, unsigned);
    this.security = { flags, sessionKey };
    return { message: encodeAuthenticateMessage({ ...fields, mic }), sessionKey, anonymous: false };
  }

  /** SPNEGO's mechListMIC: the client's first GSS signature, over the DER list of offered mechanisms. */
  mechListMic(mechTypes: Uint8Array): Uint8Array | undefined {
    if (!this.security) return undefined;
    return messageSignature(this.security.sessionKey, this.security.flags, 'client-to-server', 0, mechTypes);
  }

  /** True when the server's mechListMIC over the same list is right. */
  verifyServerMechListMic(mechTypes: Uint8Array, mic: Uint8Array): boolean {
    if (!this.security) return false;
    return verifyServerSignature(this.security.sessionKey, this.security.flags, mechTypes, mic);
  }
}
