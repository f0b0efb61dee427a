import type { SmbSourceSpec } from '../../config/source-spec.js';
import { ErrorCode, SharecastError } from '../../errors.js';
import type { SourceState } from '../source.js';
import { Command, NtStatus, statusName } from './constants.js';
import { SmbError, SmbStatusError } from './errors.js';

/**
 * What an SMB failure means for the source: the error code and message that
 * /api/status shows (never a password), whether to reconnect, and whether
 * retrying soon can help. Every NTSTATUS a user can meet has a plain message
 * and a stable code; the NTSTATUS name stays in the message for searching.
 */
export interface Failure {
  code: ErrorCode;
  message: string;
  state: SourceState;
  /** Close the connection and make a new one. */
  reconnect: boolean;
  /** Retry after slowRetryMs rather than the backoff. */
  slow: boolean;
}

interface Context {
  spec: SmbSourceSpec;
  where: string;
}

/** A sign-in the server refused for a reason only a person can fix: what it was, and why. */
interface SignInRefusal {
  code: ErrorCode;
  why: string;
  /** Retry after the backoff rather than slowRetryMs: the server's trouble, not the account's. */
  fast?: boolean;
}

const SIGN_IN_REFUSALS = new Map<number, SignInRefusal>([
  [NtStatus.LogonFailure, { code: ErrorCode.SourceAuthFailed, why: 'wrong user name or password' }],
  [NtStatus.WrongPassword, { code: ErrorCode.SourceAuthFailed, why: 'wrong user name or password' }],
  [NtStatus.NoSuchUser, { code: ErrorCode.SourceAuthFailed, why: 'wrong user name or password' }],
  [NtStatus.NoSuchDomain, { code: ErrorCode.SourceAuthFailed, why: 'the server knows no such domain; check the domain in the URI (smb://DOMAIN;USER@HOST/…)' }],
  [NtStatus.NtlmBlocked, { code: ErrorCode.SourceNtlmBlocked, why: 'this server refuses NTLM sign-in; sharecast needs NTLM enabled for its user' }],
  [NtStatus.AccountDisabled, { code: ErrorCode.SourceAccountDisabled, why: 'the account is disabled; enable it on the server' }],
  [NtStatus.AccountExpired, { code: ErrorCode.SourceAccountDisabled, why: 'the account has expired; extend it on the server' }],
  [
    NtStatus.AccountLockedOut,
    {
      code: ErrorCode.SourceAccountLocked,
      why: "the account is locked out after too many failed sign-ins; it unlocks after the server's lockout time or when an administrator unlocks it (sharecast tries again only now and then, so as not to keep it locked)",
    },
  ],
  [NtStatus.PasswordExpired, { code: ErrorCode.SourcePasswordExpired, why: 'the password has expired; set a new one on the server and give it to sharecast' }],
  [
    NtStatus.PasswordMustChange,
    { code: ErrorCode.SourcePasswordExpired, why: 'the password must be changed before the next sign-in; set a new one on the server and give it to sharecast' },
  ],
  [
    NtStatus.AccountRestriction,
    { code: ErrorCode.SourceAccountRestricted, why: "the account's restrictions refuse this sign-in (Windows refuses network sign-in to accounts with an empty password)" },
  ],
  [NtStatus.InvalidLogonHours, { code: ErrorCode.SourceAccountRestricted, why: 'the account may not sign in at this time of day' }],
  [NtStatus.InvalidWorkstation, { code: ErrorCode.SourceAccountRestricted, why: 'the account may not sign in from this computer' }],
  [
    NtStatus.LogonTypeNotGranted,
    { code: ErrorCode.SourceAccountRestricted, why: 'the account may not sign in over the network (the "Access this computer from the network" right)' },
  ],
  [NtStatus.NoLogonServers, { code: ErrorCode.SourceUnavailable, why: 'the server cannot reach a domain controller to check the password', fast: true }],
  [NtStatus.TrustedDomainFailure, { code: ErrorCode.SourceUnavailable, why: 'the server cannot check the password with its domain', fast: true }],
  [NtStatus.TrustedRelationshipFailure, { code: ErrorCode.SourceUnavailable, why: 'the server has lost its trust with its domain', fast: true }],
]);

/** The server has ended the session or the tree: sign in again. */
const SESSION_GONE = new Map<number, { code: ErrorCode; why: string }>([
  [NtStatus.NetworkSessionExpired, { code: ErrorCode.SourceSessionExpired, why: 'the server ended the SMB session because it expired; sharecast signs in again' }],
  [NtStatus.UserSessionDeleted, { code: ErrorCode.SourceUnavailable, why: 'the server ended the SMB session' }],
  [NtStatus.NetworkNameDeleted, { code: ErrorCode.SourceUnavailable, why: 'the server disconnected the share (it was removed, or the server is restarting)' }],
  [NtStatus.InvalidHandle, { code: ErrorCode.SourceUnavailable, why: 'the server forgot an open file (it restarted, or dropped the session)' }],
]);

/** The server is out of room: try again soon. */
const BUSY = new Set<number>([NtStatus.InsufficientResources, NtStatus.InsuffServerResources, NtStatus.RequestNotAccepted]);

const NOT_FOUND = new Set<number>([NtStatus.ObjectNameNotFound, NtStatus.ObjectPathNotFound, NtStatus.NoSuchFile]);

function who(spec: SmbSourceSpec): string {
  return spec.user === '' ? 'an anonymous sign-in' : `user "${spec.domain === '' ? '' : `${spec.domain}\\`}${spec.user}"`;
}

/** Maps anything the SMB client threw while polling to a Failure. */
export function classifyFailure(err: unknown, ctx: Context): Failure {
  const f = (code: ErrorCode, message: string, reconnect: boolean, slow = false, state: SourceState = 'error'): Failure => ({
    code,
    message,
    state,
    reconnect,
    slow,
  });
  if (err instanceof SharecastError) return f(err.code, err.message, false);
  if (err instanceof SmbStatusError) return classifyStatus(err, ctx, f);
  if (err instanceof SmbError) {
    switch (err.kind) {
      case 'connection':
        return f(ErrorCode.SourceUnavailable, `cannot reach the SMB server: ${err.message}`, true);
      case 'timeout':
        return f(ErrorCode.SourceTimeout, err.message, true);
      case 'signature':
        return f(ErrorCode.SourceProtocol, `SMB message integrity failed: ${err.message}`, true);
      case 'encryption':
        return f(ErrorCode.SourceEncryptionRequired, `${ctx.spec.host}:${ctx.spec.port}: ${err.message}`, true, true);
      case 'protocol':
        return f(ErrorCode.SourceProtocol, err.message, true);
      case 'aborted':
        return f(ErrorCode.SourceUnavailable, err.message, true);
    }
  }
  return f(ErrorCode.SourceUnavailable, `SMB source failed: ${err instanceof Error ? err.message : String(err)}`, true);
}

type Make = (code: ErrorCode, message: string, reconnect: boolean, slow?: boolean) => Failure;

function classifyStatus(err: SmbStatusError, { spec, where }: Context, f: Make): Failure {
  const server = `${spec.host}:${spec.port}`;
  const s = err.status;
  const name = statusName(s);
  const detail = err.detail ? `: ${err.detail}` : '';
  switch (err.command) {
    case Command.Negotiate:
      return f(ErrorCode.SourceProtocol, `${server} refused every SMB dialect sharecast speaks (SMB 2.0.2 to 3.1.1): ${name}`, true, true);
    case Command.SessionSetup: {
      const refusal = SIGN_IN_REFUSALS.get(s);
      if (refusal) return f(refusal.code, `${server} refused ${who(spec)}: ${refusal.why} (${name})`, true, !refusal.fast);
      if (s === NtStatus.AccessDenied) return f(ErrorCode.SourceAccessDenied, `${server} refused the sign-in of ${who(spec)} (${name})${detail}`, true, true);
      if (BUSY.has(s)) return f(ErrorCode.SourceUnavailable, `${server} accepts no more sessions now (${name}); a Windows desktop allows 20 connections`, true);
      return f(ErrorCode.SourceProtocol, `sign-in to ${server} failed: ${name}${detail}`, true, true);
    }
    case Command.TreeConnect:
      if (s === NtStatus.BadNetworkName) return f(ErrorCode.SourceShareNotFound, `share "${spec.share}" does not exist on ${server} (${name})`, true, true);
      if (s === NtStatus.AccessDenied || s === NtStatus.NetworkAccessDenied) {
        const whom = spec.user === '' ? 'anonymous access' : `user "${spec.user}"`;
        return f(ErrorCode.SourceAccessDenied, `${whom} may not open share "${spec.share}" on ${server} (${name})${detail}`, true, true);
      }
      if (s === NtStatus.PathNotCovered) return f(ErrorCode.SourceUnavailable, dfsMessage(`\\\\${spec.host}\\${spec.share}`, name), true, true);
      if (BUSY.has(s)) return f(ErrorCode.SourceUnavailable, `${server} accepts no more connections to share "${spec.share}" now (${name})`, true);
      return f(ErrorCode.SourceUnavailable, `cannot open share "${spec.share}" on ${server}: ${name}`, true);
    default:
      break;
  }
  const gone = SESSION_GONE.get(s);
  if (gone) return f(gone.code, `${gone.why} (${server}, ${name})`, true);
  if (s === NtStatus.AccessDenied) return f(ErrorCode.SourceAccessDenied, `no permission to read ${where} (${name})`, false);
  if (s === NtStatus.PathNotCovered) return f(ErrorCode.SourceUnavailable, dfsMessage(where, name), false, true);
  if (s === NtStatus.SharingViolation) return f(ErrorCode.SourceUnavailable, `a file in ${where} is open elsewhere without read sharing (${name})`, false);
  if (s === NtStatus.ObjectNameInvalid || s === NtStatus.ObjectPathSyntaxBad) {
    return f(ErrorCode.SourceUnavailable, `the server finds the path in ${where} invalid (${name}); check the smb:// URI`, false, true);
  }
  if (BUSY.has(s)) return f(ErrorCode.SourceUnavailable, `${server} is out of resources (${name})`, false);
  if (s === NtStatus.IoTimeout) return f(ErrorCode.SourceTimeout, `${server} timed out reading ${where} (${name})`, false);
  return f(ErrorCode.SourceUnavailable, `reading ${where} failed: ${err.message}`, false);
}

function dfsMessage(path: string, name: string): string {
  return `${path} is a DFS link (${name}); sharecast does not follow DFS referrals: use the share on the server it points to`;
}

/** Maps a failed segment read to the SharecastError the republisher gets. */
export function segmentFailure(uri: string, err: unknown): SharecastError {
  if (err instanceof SharecastError) return err;
  if (err instanceof SmbStatusError) {
    if (NOT_FOUND.has(err.status)) return new SharecastError(ErrorCode.SourceUnavailable, `"${uri}" is listed but not on the share`, { cause: err });
    if (err.status === NtStatus.AccessDenied) return new SharecastError(ErrorCode.SourceAccessDenied, `no permission to read "${uri}"`, { cause: err });
    return new SharecastError(ErrorCode.SourceUnavailable, `cannot read "${uri}": ${err.statusName}`, { cause: err });
  }
  if (err instanceof SmbError && err.kind === 'timeout') return new SharecastError(ErrorCode.SourceTimeout, `reading "${uri}": ${err.message}`, { cause: err });
  return new SharecastError(ErrorCode.SourceUnavailable, `cannot read "${uri}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
