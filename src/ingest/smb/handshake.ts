import { createHash, randomBytes } from 'node:crypto';
import type { SmbClientOptions, SmbSessionInfo } from './client.js';
import { ALL_DIALECTS, Command, Dialect, dialectName, HASH_ALGORITHM_SHA512, HeaderFlag, NtStatus, SecurityMode, SessionFlag, ShareFlag } from './constants.js';
import type { OutgoingMessage, SmbConnection } from './connection.js';
import { SmbError } from './errors.js';
import { CLIENT_CAPABILITIES, decodeNegotiateResponse, encodeNegotiateRequest, type NegotiateResponse } from './negotiate.js';
import { NtlmClient } from './ntlm.js';
import { check } from './response-check.js';
import { decodeSessionSetupResponse, decodeTreeConnectResponse, encodeSessionSetupRequest, encodeTreeConnectRequest } from './session-messages.js';
import { createSigner, type SigningAlgorithm } from './signing.js';
import { decodeNegTokenResp, encodeNegTokenInit, encodeNegTokenResp } from './spnego.js';

/**
 * Opening a session ([MS-SMB2] 3.2.4.2, 3.2.5.2-3.2.5.5): NEGOTIATE, NTLMv2
 * SESSION_SETUP in SPNEGO with the 3.1.1 preauth integrity hash, the signing
 * key, and TREE_CONNECT to the share.
 */

/** The preauth integrity chain ([MS-SMB2] 3.2.5.2): H = SHA-512(H || message), one message at a time. */
function chain(hash: Uint8Array, ...messages: Uint8Array[]): Uint8Array {
  let h = hash;
  for (const m of messages) h = new Uint8Array(createHash('sha512').update(h).update(m).digest());
  return h;
}

/** NEGOTIATE, SESSION_SETUP (NTLMv2 in SPNEGO) and TREE_CONNECT. */
export async function handshake(conn: SmbConnection, opts: SmbClientOptions, timeoutMs: number): Promise<SmbSessionInfo> {
  const send = (m: OutgoingMessage, sign = true): ReturnType<SmbConnection['send']> =>
    conn.send([m], { timeoutMs, signal: opts.signal, sign });
  const dialects = opts.dialects ?? ALL_DIALECTS;

  // NEGOTIATE
  const negotiate = await send(
    {
      command: Command.Negotiate,
      body: encodeNegotiateRequest({
        dialects,
        securityMode: SecurityMode.SigningEnabled,
        capabilities: CLIENT_CAPABILITIES,
        clientGuid: new Uint8Array(randomBytes(16)),
        preauthSalt: new Uint8Array(randomBytes(32)),
      }),
    },
    false,
  ).catch((err: unknown) => {
    // A server restarting does this too, so it stays a connection error; the message names the likelier cause.
    if (err instanceof SmbError && err.kind === 'connection') {
      throw new SmbError(
        'connection',
        `${opts.host}:${opts.port} closed the connection at NEGOTIATE: it is restarting, or it speaks no SMB dialect sharecast offers (${dialects.map(dialectName).join(', ')}), as an SMB1-only server does`,
        { cause: err },
      );
    }
    throw err;
  });
  const negMsg = check(negotiate.responses[0]);
  let neg: NegotiateResponse;
  try {
    neg = decodeNegotiateResponse(negMsg.raw);
  } catch (err) {
    throw new SmbError('protocol', (err as Error).message, { cause: err });
  }
  if (!dialects.includes(neg.dialect)) {
    throw new SmbError('protocol', `the server chose ${dialectName(neg.dialect)}, which was not offered`);
  }
  conn.dialect = neg.dialect;
  let preauth: Uint8Array | undefined;
  if (neg.dialect === Dialect.Smb311) {
    if (neg.preauthHashAlgorithm !== HASH_ALGORITHM_SHA512) {
      throw new SmbError('protocol', 'the server chose SMB 3.1.1 without SHA-512 preauth integrity');
    }
    preauth = chain(new Uint8Array(64), negotiate.requests[0] as Buffer, negMsg.raw);
  }
  const serverRequiresSigning = (neg.securityMode & SecurityMode.SigningRequired) !== 0;

  // SESSION_SETUP, round 1: NTLM NEGOTIATE in a SPNEGO NegTokenInit.
  const ntlm = new NtlmClient({ user: opts.user, password: opts.password, domain: opts.domain });
  const first = await send(
    { command: Command.SessionSetup, body: encodeSessionSetupRequest(SecurityMode.SigningEnabled, encodeNegTokenInit(ntlm.negotiate())) },
    false,
  );
  const m1 = check(first.responses[0], NtStatus.MoreProcessingRequired);
  if (m1.header.status !== NtStatus.MoreProcessingRequired) {
    throw new SmbError('protocol', 'the server finished SESSION_SETUP without an NTLM challenge');
  }
  conn.sessionId = m1.header.sessionId;
  if (preauth) preauth = chain(preauth, first.requests[0] as Buffer, m1.raw);
  let challenge: Uint8Array | undefined;
  try {
    const buf = decodeSessionSetupResponse(m1.raw).securityBuffer;
    challenge = buf[0] === 0xa1 ? decodeNegTokenResp(buf).responseToken : buf;
  } catch (err) {
    throw new SmbError('protocol', `bad SPNEGO answer: ${(err as Error).message}`, { cause: err });
  }
  if (!challenge) throw new SmbError('protocol', 'the server sent no NTLM challenge');

  // Round 2: NTLM AUTHENTICATE.
  let auth;
  try {
    auth = ntlm.authenticate(challenge);
  } catch (err) {
    throw new SmbError('protocol', (err as Error).message, { cause: err });
  }
  const second = await send(
    { command: Command.SessionSetup, body: encodeSessionSetupRequest(SecurityMode.SigningEnabled, encodeNegTokenResp(auth.message)) },
    false,
  );
  if (preauth) preauth = chain(preauth, second.requests[0] as Buffer);
  const m2 = check(second.responses[0]);
  const session = decodeSessionSetupResponse(m2.raw);
  const guest = (session.sessionFlags & SessionFlag.IsGuest) !== 0;
  const anonymous = auth.anonymous || (session.sessionFlags & SessionFlag.IsNull) !== 0;
  if (session.sessionFlags & SessionFlag.EncryptData) {
    throw new SmbError('protocol', 'the server requires SMB3 encryption for this session, which sharecast does not support');
  }
  let signing: SigningAlgorithm | 'none' = 'none';
  if (!guest && !anonymous && auth.sessionKey) {
    const signer = createSigner(neg.dialect, auth.sessionKey, preauth);
    const signed = (m2.header.flags & HeaderFlag.Signed) !== 0;
    if (signed && !signer.verify(m2.raw)) {
      throw new SmbError('signature', 'the final SESSION_SETUP response did not verify: signing keys disagree');
    }
    if (!signed && neg.dialect === Dialect.Smb311) {
      throw new SmbError('signature', 'the server did not sign the final SMB 3.1.1 SESSION_SETUP response');
    }
    conn.signer = signer;
    signing = signer.algorithm;
  }

  // TREE_CONNECT
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const tree = await send({ command: Command.TreeConnect, body: encodeTreeConnectRequest(`\\\\${host}\\${opts.share}`) });
  const t = check(tree.responses[0]);
  const share = decodeTreeConnectResponse(t.raw);
  if (share.shareFlags & ShareFlag.EncryptData) {
    throw new SmbError('protocol', `share "${opts.share}" requires SMB3 encryption, which sharecast does not support`);
  }
  conn.treeId = t.header.treeId;
  return {
    dialect: neg.dialect,
    dialectName: dialectName(neg.dialect),
    signing,
    serverRequiresSigning,
    guest,
    anonymous,
    maxReadSize: neg.maxReadSize,
  };
}

