import { randomBytes } from 'node:crypto';
import type { SmbClientOptions, SmbSessionInfo } from './client.js';
import { ALL_DIALECTS, Cipher, Command, Dialect, dialectName, GlobalCap, HASH_ALGORITHM_SHA512, HeaderFlag, NtStatus, SecurityMode, SessionFlag, ShareFlag } from './constants.js';
import type { OutgoingMessage, SmbConnection } from './connection.js';
import { cipherName, CLIENT_CIPHERS, deriveEncryptionKeys, SessionEncryption, type CipherName } from './encryption.js';
import { SmbError, SmbStatusError } from './errors.js';
import { clientCapabilities, decodeNegotiateResponse, encodeNegotiateRequest, type NegotiateResponse } from './negotiate.js';
import { check } from './response-check.js';
import { decodeTreeConnectResponse, encodeTreeConnectRequest } from './session-messages.js';
import { chain, sessionSetup, type SessionSetupResult } from './session-setup.js';
import { createSigner, type SigningAlgorithm } from './signing.js';

/**
 * Opening a session ([MS-SMB2] 3.2.4.2, 3.2.5.2-3.2.5.5): NEGOTIATE (with
 * 3.1.1's preauth integrity and encryption contexts), SESSION_SETUP, the
 * signing and encryption keys, and TREE_CONNECT to the share. Encryption is
 * switched on when the session or the share requires it.
 */

/** The cipher the server agreed to: 3.1.1 names it in a context; 3.0 and 3.0.2 can only do AES-128-CCM. */
function agreedCipher(neg: NegotiateResponse): CipherName | undefined {
  if (neg.dialect === Dialect.Smb311) return neg.cipher ? cipherName(neg.cipher) : undefined;
  if (neg.dialect === Dialect.Smb300 || neg.dialect === Dialect.Smb302) {
    return neg.capabilities & GlobalCap.Encryption ? cipherName(Cipher.Aes128Ccm) : undefined;
  }
  return undefined;
}

/** Why no cipher was agreed, for messages: "SMB 2.1 cannot encrypt", "the server offered no cipher…". */
function noCipherReason(dialect: number): string {
  if (dialect === Dialect.Smb202 || dialect === Dialect.Smb210) {
    return `${dialectName(dialect)}, the newest dialect the server offered, cannot encrypt`;
  }
  return `the server agreed to no SMB 3 cipher sharecast offers (AES-128/256-GCM/CCM) over ${dialectName(dialect)}`;
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
        capabilities: clientCapabilities(dialects),
        clientGuid: new Uint8Array(randomBytes(16)),
        preauthSalt: new Uint8Array(randomBytes(32)),
        ciphers: CLIENT_CIPHERS,
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
  const cipher = agreedCipher(neg);

  // SESSION_SETUP
  let s: SessionSetupResult;
  try {
    s = await sessionSetup(send, opts, preauth, (id) => {
      conn.sessionId = id;
    });
  } catch (err) {
    throw explainSessionSetupFailure(err, opts, neg.dialect, cipher);
  }
  const guest = (s.sessionFlags & SessionFlag.IsGuest) !== 0;
  const anonymous = s.anonymous || (s.sessionFlags & SessionFlag.IsNull) !== 0;
  const keyed = !guest && !anonymous && s.sessionKey !== undefined;
  const sessionEncrypts = (s.sessionFlags & SessionFlag.EncryptData) !== 0;
  if (sessionEncrypts && (!cipher || !keyed)) {
    throw new SmbError(
      'encryption',
      `the server requires SMB 3 encryption for this session, but ${!cipher ? noCipherReason(neg.dialect) : 'a guest or anonymous session has no keys to encrypt with'}`,
    );
  }
  let signing: SigningAlgorithm | 'none' = 'none';
  if (keyed && s.sessionKey) {
    const signer = createSigner(neg.dialect, s.sessionKey, s.preauth);
    const signed = (s.response.header.flags & HeaderFlag.Signed) !== 0;
    if (signed && !signer.verify(s.response.raw)) {
      throw new SmbError('signature', 'the final SESSION_SETUP response did not verify: signing keys disagree');
    }
    if (!signed && neg.dialect === Dialect.Smb311) {
      throw new SmbError('signature', 'the server did not sign the final SMB 3.1.1 SESSION_SETUP response');
    }
    conn.signer = signer;
    signing = signer.algorithm;
    if (cipher) conn.encryption = new SessionEncryption(cipher, deriveEncryptionKeys(neg.dialect, cipher, s.sessionKey, s.preauth), conn.sessionId);
  }
  conn.encryptAll = sessionEncrypts;

  // TREE_CONNECT
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const tree = await send({ command: Command.TreeConnect, body: encodeTreeConnectRequest(`\\\\${host}\\${opts.share}`) });
  let t;
  try {
    t = check(tree.responses[0]);
  } catch (err) {
    throw explainTreeConnectFailure(err, neg.dialect, conn.encryption !== undefined, cipher);
  }
  const share = decodeTreeConnectResponse(t.raw);
  const shareEncrypts = (share.shareFlags & ShareFlag.EncryptData) !== 0;
  if (shareEncrypts && !conn.encryption) {
    throw new SmbError(
      'encryption',
      `share "${opts.share}" requires SMB 3 encryption, but ${!cipher ? noCipherReason(neg.dialect) : 'a guest or anonymous session has no keys to encrypt with'}`,
    );
  }
  conn.treeId = t.header.treeId;
  // Once the share requires it, everything on this connection (its one tree) is encrypted.
  if (shareEncrypts) conn.encryptAll = true;
  return {
    dialect: neg.dialect,
    dialectName: dialectName(neg.dialect),
    signing,
    serverRequiresSigning,
    guest,
    anonymous,
    maxReadSize: neg.maxReadSize,
    encryption: conn.encrypting && cipher ? { cipher, requiredBy: sessionEncrypts ? 'session' : 'share' } : undefined,
  };
}

/**
 * STATUS_ACCESS_DENIED at SESSION_SETUP can mean several things; say which
 * the client can tell: an anonymous sign-in the server refuses, or no cipher
 * for a server that requires encryption (Samba's `smb encrypt = required`).
 */
function explainSessionSetupFailure(err: unknown, opts: SmbClientOptions, dialect: number, cipher: CipherName | undefined): unknown {
  if (!(err instanceof SmbStatusError) || err.status !== NtStatus.AccessDenied || err.command !== Command.SessionSetup) return err;
  if (opts.user === '' && opts.password === '') {
    return new SmbStatusError(err.status, err.command, 'the server allows no anonymous (guest) sign-in: give a user name and password');
  }
  if (!cipher) {
    return new SmbStatusError(err.status, err.command, `a server that requires SMB 3 encryption answers this, and ${noCipherReason(dialect)}`);
  }
  return new SmbStatusError(err.status, err.command, "the server's settings refuse this session (a wrong password would be STATUS_LOGON_FAILURE)");
}

/** STATUS_ACCESS_DENIED at TREE_CONNECT: a share that requires encryption refuses a session that cannot encrypt. */
function explainTreeConnectFailure(err: unknown, dialect: number, canEncrypt: boolean, cipher: CipherName | undefined): unknown {
  if (!(err instanceof SmbStatusError) || err.status !== NtStatus.AccessDenied || canEncrypt) return err;
  const why = cipher ? 'a guest or anonymous session has no keys to encrypt with' : noCipherReason(dialect);
  return new SmbStatusError(err.status, err.command, `a share that requires SMB 3 encryption answers this, and ${why}`);
}
