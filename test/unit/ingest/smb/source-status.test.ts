// The SMB source's status bookkeeping: since, the next try, connection
// details, and one log line per distinct error.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../../src/errors.js';
import type { SourceStatus } from '../../../../src/ingest/source.js';
import { SmbSourceStatus } from '../../../../src/ingest/smb/source-status.js';
import { createLogger } from '../../../../src/log/logger.js';

function harness(): { status: SmbSourceStatus; notified: SourceStatus[]; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l));
      cb();
    },
  });
  const notified: SourceStatus[] = [];
  const status = new SmbSourceStatus(createLogger({ level: 'info', destination, pretty: false }), (s) => notified.push(s));
  return { status, notified, lines };
}

const auth = { code: ErrorCode.SourceAuthFailed, message: 'nas:445 refused user "obs": wrong user name or password (STATUS_LOGON_FAILURE)' };

describe('SMB source status', () => {
  test('after a sign-in failure the status says when the next try is; it moves on without a notification', () => {
    const h = harness();
    h.status.set('error', auth);
    assert.equal(h.notified.length, 1);
    h.status.retryAt(Date.UTC(2026, 0, 1, 12, 0, 30));
    assert.equal(h.status.current.nextTry, '2026-01-01T12:00:30.000Z');
    const since = h.status.current.since;
    h.status.set('error', auth);
    h.status.retryAt(Date.UTC(2026, 0, 1, 12, 1, 0));
    assert.equal(h.status.current.nextTry, '2026-01-01T12:01:00.000Z');
    assert.equal(h.status.current.since, since, 'the same error: since stays');
    assert.equal(h.notified.length, 1, 'the same error is not notified again');
    assert.equal(h.lines.filter((l) => l.level >= 40).length, 1, 'nor logged again');
    h.status.set('ok');
    assert.equal(h.status.current.nextTry, undefined, 'ok: no next try');
    assert.equal(h.status.current.error, undefined);
    assert.ok(h.lines.some((l) => /back/.test(l.msg)));
    h.status.retryAt(Date.now());
    assert.equal(h.status.current.nextTry, undefined, 'only an error has a next try');
  });

  test('connection details stay across state changes until the connection goes', () => {
    const h = harness();
    h.status.setDetail({ dialect: 'SMB 3.1.1', signing: 'aes-cmac', encryption: 'aes-128-gcm', encryptionRequiredBy: 'session', compounding: true });
    h.status.set('ok');
    assert.equal(h.status.current.detail?.encryption, 'aes-128-gcm');
    h.status.set('error', auth);
    const n = h.notified.length;
    h.status.setDetail(undefined);
    h.status.setDetail({ dialect: 'SMB 2.1', signing: 'hmac-sha256', encryption: 'none', compounding: true });
    assert.equal(h.notified.length, n, 'details are read, not notified: a listener counts notifications in the error state as errors');
    h.status.set('ok');
    assert.equal(h.status.current.detail?.dialect, 'SMB 2.1');
    h.status.setDetail(undefined);
    assert.equal(h.status.current.detail, undefined);
    assert.equal('detail' in h.status.current, false);
    assert.equal(h.status.current.state, 'ok');
  });
});
