import { createHash } from 'node:crypto';
import type { SmbClientOptions } from './client.js';
import { Command, NtStatus, SecurityMode } from './constants.js';
import type { IncomingMessage, OutgoingMessage, SendResult } from './connection.js';
import { SmbError } from './errors.js';
import { NtlmClient } from './ntlm.js';
import { check } from './response-check.js';
import { decodeSessionSetupResponse, encodeSessionSetupRequest } from './session-messages.js';
import { decodeNegTokenResp, encodeNegTokenInit, encodeNegTokenResp, MECH_TYPES } from './spnego.js';

/**
 * SESSION_SETUP with NTLMv2 in SPNEGO ([MS-SMB2] 3.2.4.2.3, [MS-SPNG]), as
 * Windows does it: NEGOTIATE in a NegTokenInit; then AUTHENTICATE with its
 * MIC and SPNEGO's mechListMIC in a NegTokenResp. The 3.1.1 preauth integrity
 * hash runs along.
 */

/** The preauth integrity chain ([MS-SMB2] 3.2.5.2): H = SHA-512(H || message), one message at a time. */
export function chain(hash: Uint8Array, ...messages: Uint8Array[]): Uint8Array {
  let h = hash;
  for (const m of messages) h = new Uint8Array(createHash('sha512').update(h).update(m).digest());
  return h;
}

export interface SessionSetupResult {
  /** The final SESSION_SETUP response (success). */
  response: IncomingMessage;
  sessionFlags: number;
  /** The exported session key; undefined for an anonymous sign-in. */
  sessionKey: Uint8Array | undefined;
  anonymous: boolean;
  /** 3.1.1: the preauth hash over everything up to the final request (the keys' context). */
  preauth: Uint8Array | undefined;
}

type Send = (m: OutgoingMessage, sign?: boolean) => Promise<SendResult>;

export async function sessionSetup(
  send: Send,
  opts: SmbClientOptions,
  preauthIn: Uint8Array | undefined,
  onSessionId: (id: bigint) => void,
): Promise<SessionSetupResult> {
  let preauth = preauthIn;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const ntlm = new NtlmClient({ user: opts.user, password: opts.password, domain: opts.domain }, { targetName: `cifs/${opts.host}` });

  // Round 1: NTLM NEGOTIATE in a SPNEGO NegTokenInit.
  const first = await send(
    { command: Command.SessionSetup, body: encodeSessionSetupRequest(SecurityMode.SigningEnabled, encodeNegTokenInit(ntlm.negotiate())) },
    false,
  );
  const m1 = check(first.responses[0], NtStatus.MoreProcessingRequired);
  if (m1.header.status !== NtStatus.MoreProcessingRequired) {
    throw new SmbError('protocol', `${host} finished SESSION_SETUP without an NTLM challenge`);
  }
  onSessionId(m1.header.sessionId);
  if (preauth) preauth = chain(preauth, first.requests[0] as Buffer, m1.raw);
  let challenge: Uint8Array | undefined;
  try {
    const buf = decodeSessionSetupResponse(m1.raw).securityBuffer;
    challenge = buf[0] === 0xa1 ? decodeNegTokenResp(buf).responseToken : buf;
  } catch (err) {
    throw new SmbError('protocol', `bad SPNEGO answer: ${(err as Error).message}`, { cause: err });
  }
  if (!challenge) throw new SmbError('protocol', 'the server sent no NTLM challenge');

  // Round 2: NTLM AUTHENTICATE (with its MIC) and SPNEGO's mechListMIC.
  let auth;
  try {
    auth = ntlm.authenticate(challenge);
  } catch (err) {
    throw new SmbError('protocol', (err as Error).message, { cause: err });
  }
  const token = encodeNegTokenResp(auth.message, ntlm.mechListMic(MECH_TYPES));
  const second = await send({ command: Command.SessionSetup, body: encodeSessionSetupRequest(SecurityMode.SigningEnabled, token) }, false);
  if (preauth) preauth = chain(preauth, second.requests[0] as Buffer);
  const m2 = check(second.responses[0]);
  const session = decodeSessionSetupResponse(m2.raw);
  verifyServerMechListMic(ntlm, session.securityBuffer);
  return { response: m2, sessionFlags: session.sessionFlags, sessionKey: auth.sessionKey, anonymous: auth.anonymous, preauth };
}

/** A mechListMIC in the server's last token must be the server's signature of our mechanism list. */
function verifyServerMechListMic(ntlm: NtlmClient, securityBuffer: Uint8Array): void {
  if (securityBuffer.length === 0 || securityBuffer[0] !== 0xa1) return;
  let mic: Uint8Array | undefined;
  try {
    mic = decodeNegTokenResp(securityBuffer).mechListMic;
  } catch (err) {
    throw new SmbError('protocol', `bad SPNEGO answer: ${(err as Error).message}`, { cause: err });
  }
  if (mic && !ntlm.verifyServerMechListMic(MECH_TYPES, mic)) {
    throw new SmbError('signature', "the server's SPNEGO mechListMIC did not verify: the sign-in was tampered with, or the keys disagree");
  }
}
