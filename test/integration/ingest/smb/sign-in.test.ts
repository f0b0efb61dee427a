// How the SMB source reports sign-in trouble against a real smbd: a plain
// message and a stable code per NTSTATUS, when the next try is, and that a
// fix made on the server is picked up on that next try. Also what the status
// says of a live connection.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SmbSourceSpec } from '../../../../src/config/source-spec.js';
import { ErrorCode } from '../../../../src/errors.js';
import type { PlaylistSnapshot, SourceStatus } from '../../../../src/ingest/source.js';
import { SmbSource, type SmbSourceOptions } from '../../../../src/ingest/smb-source.js';
import { Dialect } from '../../../../src/ingest/smb/constants.js';
import { nullLogger } from '../../../fakes/null-logger.js';
import { startSamba, type SambaOptions, type SambaServer } from '../../../helpers/samba.js';
import { waitFor } from '../../../helpers/wait.js';

const SLOW_RETRY_MS = 400;

function spec(samba: SambaServer, extra: Partial<SmbSourceSpec> = {}): SmbSourceSpec {
  return { kind: 'smb', name: 'live', host: samba.host, port: samba.port, domain: '', user: samba.user, password: samba.password, share: 'share', path: 'stream.m3u8', ...extra };
}

interface Opened {
  source: SmbSource;
  snapshots: PlaylistSnapshot[];
  statuses: SourceStatus[];
}

const opened: SmbSource[] = [];

async function open(s: SmbSourceSpec, extra: Partial<SmbSourceOptions> = {}): Promise<Opened> {
  const source = new SmbSource({ spec: s, logger: nullLogger, pollIntervalMs: 100, reconnectMinMs: 100, reconnectMaxMs: 400, slowRetryMs: SLOW_RETRY_MS, requestTimeoutMs: 3000, ...extra });
  opened.push(source);
  const o: Opened = { source, snapshots: [], statuses: [] };
  await source.start({ onPlaylist: (p) => o.snapshots.push(p), onStatus: (st) => o.statuses.push(st) });
  return o;
}

async function withSamba(opts: SambaOptions, fn: (s: SambaServer) => Promise<void>): Promise<void> {
  const s = await startSamba(opts);
  writeFileSync(join(s.sharePath(), 'stream.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n');
  try {
    await fn(s);
  } finally {
    for (const src of opened.splice(0)) await src.close();
    await s.cleanup();
  }
}

/** The next try lies ahead, within the slow retry. */
function assertNextTry(status: SourceStatus): void {
  assert.ok(status.nextTry, `nextTry in ${JSON.stringify(status)}`);
  const at = Date.parse(status.nextTry);
  assert.ok(at > Date.now() - 1000 && at <= Date.now() + SLOW_RETRY_MS + 1000, `${status.nextTry} is the next slow retry`);
}

describe('SMB source sign-in failures', () => {
  test('ntlm auth = disabled: source_ntlm_blocked, in plain words, and when the next try is', async () => {
    await withSamba({ ntlmAuth: 'disabled' }, async (s) => {
      const o = await open(spec(s));
      const st = o.source.status();
      assert.equal(st.state, 'error');
      assert.equal(st.error?.code, ErrorCode.SourceNtlmBlocked);
      assert.equal(
        st.error?.message,
        `127.0.0.1:${s.port} refused user "${s.user}": this server refuses NTLM sign-in; sharecast needs NTLM enabled for its user (STATUS_NTLM_BLOCKED)`,
      );
      assertNextTry(st);
    });
  });

  test('a wrong password fixed on the server is picked up on the next try', async () => {
    await withSamba({}, async (s) => {
      const o = await open(spec(s, { password: 'Fixed-Later-7' }));
      assert.equal(o.source.status().error?.code, ErrorCode.SourceAuthFailed);
      assertNextTry(o.source.status());
      s.setPassword('Fixed-Later-7');
      await waitFor('the source signed in', () => o.source.status().state === 'ok', 5000);
      assert.equal(o.source.status().nextTry, undefined);
      assert.equal(o.snapshots.length, 1);
    });
  });

  test('a disabled account: source_account_disabled; enabled again, it signs in', async () => {
    await withSamba({}, async (s) => {
      s.setAccountDisabled(true);
      const o = await open(spec(s));
      assert.equal(o.source.status().error?.code, ErrorCode.SourceAccountDisabled);
      assert.match(o.source.status().error?.message ?? '', /the account is disabled; enable it on the server \(STATUS_ACCOUNT_DISABLED\)/);
      s.setAccountDisabled(false);
      await waitFor('the source signed in', () => o.source.status().state === 'ok', 5000);
    });
  });

  test('smb encrypt = required and only SMB 2.1 offered: the message names encryption, not guests or signing', async () => {
    await withSamba({ encrypt: 'required' }, async (s) => {
      const o = await open(spec(s), { dialects: [Dialect.Smb202, Dialect.Smb210] });
      const st = o.source.status();
      assert.equal(st.error?.code, ErrorCode.SourceAccessDenied);
      assert.match(st.error?.message ?? '', /STATUS_ACCESS_DENIED\): a server that requires SMB 3 encryption answers this, and SMB 2\.1, the newest dialect the server offered, cannot encrypt/);
      assert.doesNotMatch(st.error?.message ?? '', /guest|unsigned/);
    });
  });
});

describe('SMB source status of a live connection', () => {
  let samba: SambaServer;

  before(async () => {
    samba = await startSamba({ shares: { share: {}, secret: { 'smb encrypt': 'required' } } });
    for (const share of ['share', 'secret']) writeFileSync(join(samba.sharePath(share), 'stream.m3u8'), '#EXTM3U\n');
  });

  after(async () => {
    for (const src of opened.splice(0)) await src.close();
    await samba?.cleanup();
  });

  test('names the dialect, the signing, the cipher and what requires it', async () => {
    const plain = await open(spec(samba));
    assert.deepEqual(plain.source.status().detail, { dialect: 'SMB 3.1.1', signing: 'aes-cmac', encryption: 'none', compounding: true });
    const old = await open(spec(samba), { dialects: [Dialect.Smb210] });
    assert.deepEqual(old.source.status().detail, { dialect: 'SMB 2.1', signing: 'hmac-sha256', encryption: 'none', compounding: true });
    const secret = await open(spec(samba, { share: 'secret' }));
    assert.equal(secret.source.status().state, 'ok');
    assert.deepEqual(secret.source.status().detail, {
      dialect: 'SMB 3.1.1',
      signing: 'aes-cmac',
      encryption: 'aes-128-gcm',
      encryptionRequiredBy: 'share',
      compounding: true,
    });
  });

  test('the details go when the connection does', async () => {
    const o = await open(spec(samba));
    assert.ok(o.source.status().detail);
    await samba.kill();
    await waitFor('an error', () => o.source.status().state === 'error', 10_000);
    assert.equal(o.source.status().detail, undefined);
    await samba.start();
    await waitFor('back', () => o.source.status().state === 'ok', 10_000);
    assert.equal(o.source.status().detail?.dialect, 'SMB 3.1.1');
  });
});
