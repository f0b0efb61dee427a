// What each SMB failure becomes in /api/status: a stable code, a plain
// message naming the NTSTATUS, whether to reconnect and how soon to retry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SmbSourceSpec } from '../../../../src/config/source-spec.js';
import { ErrorCode } from '../../../../src/errors.js';
import { classifyFailure, segmentFailure } from '../../../../src/ingest/smb/classify-failure.js';
import { Command, NtStatus } from '../../../../src/ingest/smb/constants.js';
import { CompoundSignatureError, SmbError, SmbStatusError } from '../../../../src/ingest/smb/errors.js';

const spec: SmbSourceSpec = {
  kind: 'smb',
  name: 'live',
  host: 'nas',
  port: 445,
  domain: 'HOME',
  user: 'obs',
  password: 'Secret-Password-1',
  share: 'OBS',
  path: 'stream.m3u8',
};
const ctx = { spec, where: '\\\\nas\\OBS' };
const signIn = (status: number) => classifyFailure(new SmbStatusError(status, Command.SessionSetup), ctx);

describe('sign-in failures', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['STATUS_LOGON_FAILURE', NtStatus.LogonFailure, ErrorCode.SourceAuthFailed, /wrong user name or password/],
    ['STATUS_WRONG_PASSWORD', NtStatus.WrongPassword, ErrorCode.SourceAuthFailed, /wrong user name or password/],
    ['STATUS_NO_SUCH_DOMAIN', NtStatus.NoSuchDomain, ErrorCode.SourceAuthFailed, /no such domain/],
    ['STATUS_NTLM_BLOCKED', NtStatus.NtlmBlocked, ErrorCode.SourceNtlmBlocked, /this server refuses NTLM sign-in; sharecast needs NTLM enabled for its user/],
    ['STATUS_ACCOUNT_DISABLED', NtStatus.AccountDisabled, ErrorCode.SourceAccountDisabled, /the account is disabled/],
    ['STATUS_ACCOUNT_EXPIRED', NtStatus.AccountExpired, ErrorCode.SourceAccountDisabled, /the account has expired/],
    ['STATUS_ACCOUNT_LOCKED_OUT', NtStatus.AccountLockedOut, ErrorCode.SourceAccountLocked, /locked out after too many failed sign-ins/],
    ['STATUS_PASSWORD_EXPIRED', NtStatus.PasswordExpired, ErrorCode.SourcePasswordExpired, /the password has expired/],
    ['STATUS_PASSWORD_MUST_CHANGE', NtStatus.PasswordMustChange, ErrorCode.SourcePasswordExpired, /must be changed/],
    ['STATUS_ACCOUNT_RESTRICTION', NtStatus.AccountRestriction, ErrorCode.SourceAccountRestricted, /empty password/],
    ['STATUS_INVALID_LOGON_HOURS', NtStatus.InvalidLogonHours, ErrorCode.SourceAccountRestricted, /time of day/],
    ['STATUS_INVALID_WORKSTATION', NtStatus.InvalidWorkstation, ErrorCode.SourceAccountRestricted, /from this computer/],
    ['STATUS_LOGON_TYPE_NOT_GRANTED', NtStatus.LogonTypeNotGranted, ErrorCode.SourceAccountRestricted, /over the network/],
  ];
  for (const [name, status, code, message] of cases) {
    test(`${name}: ${code}, said plainly, retried slowly`, () => {
      const f = signIn(status);
      assert.equal(f.code, code);
      assert.match(f.message, message);
      assert.ok(f.message.startsWith('nas:445 refused user "HOME\\obs": '), f.message);
      assert.ok(f.message.endsWith(`(${name})`), f.message);
      assert.equal(f.slow, true, 'a person has to fix it; lockout policies punish fast retries');
      assert.equal(f.reconnect, true);
      assert.ok(!f.message.includes('Secret-Password-1'));
    });
  }

  test('STATUS_NTLM_BLOCKED used to be a bare hex code', () => {
    assert.doesNotMatch(signIn(0xc0000418).message, /0xc0000418/i);
  });

  test('a domain controller out of reach is the server\'s trouble: retried on the backoff', () => {
    const f = signIn(NtStatus.NoLogonServers);
    assert.equal(f.code, ErrorCode.SourceUnavailable);
    assert.equal(f.slow, false);
    assert.match(f.message, /cannot reach a domain controller/);
  });

  test('STATUS_ACCESS_DENIED carries what the client could tell (no cipher for a server that requires encryption)', () => {
    const hint = 'a server that requires SMB 3 encryption answers this, and SMB 2.1, the newest dialect the server offered, cannot encrypt';
    const f = classifyFailure(new SmbStatusError(NtStatus.AccessDenied, Command.SessionSetup, hint), ctx);
    assert.equal(f.code, ErrorCode.SourceAccessDenied);
    assert.equal(f.message, `nas:445 refused the sign-in of user "HOME\\obs" (STATUS_ACCESS_DENIED): ${hint}`);
    const anonymous = classifyFailure(new SmbStatusError(NtStatus.AccessDenied, Command.SessionSetup), { ...ctx, spec: { ...spec, user: '', password: '' } });
    assert.match(anonymous.message, /refused the sign-in of an anonymous sign-in/);
  });

  test('an unknown NTSTATUS keeps its hex value', () => {
    const f = signIn(0xc0001234);
    assert.equal(f.code, ErrorCode.SourceProtocol);
    assert.match(f.message, /NTSTATUS 0xc0001234/);
  });
});

describe('everything else', () => {
  test('encryption the server requires and no cipher could be agreed: source_encryption_required, retried slowly', () => {
    const f = classifyFailure(new SmbError('encryption', 'share "OBS" requires SMB 3 encryption, but SMB 2.1 cannot encrypt'), ctx);
    assert.equal(f.code, ErrorCode.SourceEncryptionRequired);
    assert.equal(f.message, 'nas:445: share "OBS" requires SMB 3 encryption, but SMB 2.1 cannot encrypt');
    assert.equal(f.slow, true);
  });

  test('an expired session: source_session_expired, and sign in again at once', () => {
    const f = classifyFailure(new SmbStatusError(NtStatus.NetworkSessionExpired, Command.Create), ctx);
    assert.equal(f.code, ErrorCode.SourceSessionExpired);
    assert.match(f.message, /expired; sharecast signs in again .*STATUS_NETWORK_SESSION_EXPIRED/);
    assert.equal(f.reconnect, true);
    assert.equal(f.slow, false);
  });

  test('the share: not found, access denied, a DFS link, the server full', () => {
    const tree = (s: number, detail?: string) => classifyFailure(new SmbStatusError(s, Command.TreeConnect, detail), ctx);
    assert.equal(tree(NtStatus.BadNetworkName).code, ErrorCode.SourceShareNotFound);
    assert.match(tree(NtStatus.AccessDenied, 'a share that requires SMB 3 encryption answers this').message, /user "obs" may not open share "OBS".*requires SMB 3 encryption/);
    assert.match(tree(NtStatus.PathNotCovered).message, /DFS link .*does not follow DFS referrals/);
    assert.match(tree(NtStatus.RequestNotAccepted).message, /accepts no more connections/);
  });

  test('reading: permissions, sharing, a bad path, timeouts', () => {
    const read = (s: number) => classifyFailure(new SmbStatusError(s, Command.Create), ctx);
    assert.equal(read(NtStatus.AccessDenied).code, ErrorCode.SourceAccessDenied);
    assert.match(read(NtStatus.SharingViolation).message, /open elsewhere/);
    assert.match(read(NtStatus.ObjectNameInvalid).message, /invalid .*smb:\/\/ URI/);
    assert.equal(read(NtStatus.IoTimeout).code, ErrorCode.SourceTimeout);
  });

  test('client-side failures: integrity, timeouts, lost connections', () => {
    const sig = classifyFailure(new CompoundSignatureError('the signature of a CREATE response did not verify'), ctx);
    assert.equal(sig.code, ErrorCode.SourceProtocol);
    assert.match(sig.message, /integrity/);
    assert.equal(classifyFailure(new SmbError('timeout', 'no answer'), ctx).code, ErrorCode.SourceTimeout);
    assert.equal(classifyFailure(new SmbError('connection', 'ECONNREFUSED'), ctx).code, ErrorCode.SourceUnavailable);
  });

  test('segment reads keep their three codes', () => {
    assert.equal(segmentFailure('a.ts', new SmbStatusError(NtStatus.ObjectNameNotFound, Command.Create)).code, ErrorCode.SourceUnavailable);
    assert.equal(segmentFailure('a.ts', new SmbStatusError(NtStatus.AccessDenied, Command.Create)).code, ErrorCode.SourceAccessDenied);
    assert.equal(segmentFailure('a.ts', new SmbError('timeout', 'late')).code, ErrorCode.SourceTimeout);
  });
});
