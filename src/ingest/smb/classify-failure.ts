import type { SmbSourceSpec } from '../../config/source-spec.js';
import { ErrorCode, SharecastError } from '../../errors.js';
import type { SourceState } from '../source.js';
import { Command, NtStatus, statusName } from './constants.js';
import { SmbError, SmbStatusError } from './errors.js';

/**
 * What an SMB failure means for the source: the error code and message that
 * /api/status shows (never a password), whether to reconnect, and whether
 * retrying soon can help.
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

/** Maps anything the SMB client threw while polling to a Failure. */
export function classifyFailure(err: unknown, ctx: { spec: SmbSourceSpec; where: string }): Failure {
  const { spec, where } = ctx;
  const server = `${spec.host}:${spec.port}`;
  const f = (code: ErrorCode, message: string, reconnect: boolean, slow = false, state: SourceState = 'error'): Failure => ({
    code,
    message,
    state,
    reconnect,
    slow,
  });
  if (err instanceof SharecastError) return f(err.code, err.message, false);
  if (err instanceof SmbStatusError) {
    const s = err.status;
    const name = statusName(s);
    switch (err.command) {
      case Command.Negotiate:
        return f(ErrorCode.SourceProtocol, `${server} refused every SMB dialect sharecast speaks (SMB 2.0.2 to 3.1.1): ${name}`, true, true);
      case Command.SessionSetup:
        if (LOGON_FAILURES.has(s)) {
          const who = spec.user === '' ? 'an anonymous sign-in' : `user "${spec.domain === '' ? '' : `${spec.domain}\\`}${spec.user}"`;
          return f(ErrorCode.SourceAuthFailed, `${server} refused ${who}: wrong user name or password, or the account is locked or disabled (${name})`, true, true);
        }
        if (s === NtStatus.AccessDenied) {
          return f(ErrorCode.SourceAccessDenied, `${server} refused the sign-in (${name}); a server that blocks guest or unsigned sessions answers this`, true, true);
        }
        return f(ErrorCode.SourceProtocol, `sign-in to ${server} failed: ${name}`, true, true);
      case Command.TreeConnect:
        if (s === NtStatus.BadNetworkName) {
          return f(ErrorCode.SourceShareNotFound, `share "${spec.share}" does not exist on ${server} (${name})`, true, true);
        }
        if (s === NtStatus.AccessDenied || s === NtStatus.NetworkAccessDenied) {
          return f(ErrorCode.SourceAccessDenied, `${spec.user === '' ? 'anonymous access' : `user "${spec.user}"`} may not open share "${spec.share}" on ${server} (${name})`, true, true);
        }
        return f(ErrorCode.SourceUnavailable, `cannot open share "${spec.share}" on ${server}: ${name}`, true);
      default:
        break;
    }
    if (SESSION_GONE.has(s)) return f(ErrorCode.SourceUnavailable, `the SMB session with ${server} ended (${name})`, true);
    if (s === NtStatus.AccessDenied) {
      return f(ErrorCode.SourceAccessDenied, `no permission to read ${where} (${name})`, false);
    }
    return f(ErrorCode.SourceUnavailable, `reading ${where} failed: ${err.message}`, false);
  }
  if (err instanceof SmbError) {
    switch (err.kind) {
      case 'connection':
        return f(ErrorCode.SourceUnavailable, `cannot reach the SMB server: ${err.message}`, true);
      case 'timeout':
        return f(ErrorCode.SourceTimeout, err.message, true);
      case 'signature':
        return f(ErrorCode.SourceProtocol, `SMB signing failed: ${err.message}`, true);
      case 'protocol':
        return f(ErrorCode.SourceProtocol, err.message, true);
      case 'aborted':
        return f(ErrorCode.SourceUnavailable, err.message, true);
    }
  }
  return f(ErrorCode.SourceUnavailable, `SMB source failed: ${err instanceof Error ? err.message : String(err)}`, true);
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

const LOGON_FAILURES = new Set<number>([
  NtStatus.LogonFailure,
  NtStatus.WrongPassword,
  NtStatus.NoSuchUser,
  NtStatus.AccountRestriction,
  NtStatus.InvalidLogonHours,
  NtStatus.InvalidWorkstation,
  NtStatus.PasswordExpired,
  NtStatus.AccountDisabled,
  NtStatus.PasswordMustChange,
  NtStatus.AccountLockedOut,
]);

const SESSION_GONE = new Set<number>([NtStatus.NetworkSessionExpired, NtStatus.UserSessionDeleted, NtStatus.NetworkNameDeleted, NtStatus.InvalidHandle]);

const NOT_FOUND = new Set<number>([NtStatus.ObjectNameNotFound, NtStatus.ObjectPathNotFound, NtStatus.NoSuchFile]);
