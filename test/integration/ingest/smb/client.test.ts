// The SMB client against a real smbd (Debian's Samba 4.17) on 127.0.0.1:
// every dialect, both signing algorithms, mandatory signing, guest access,
// the clear failures, compound requests, STATUS_PENDING and dead servers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SmbClient, type SmbClientOptions } from '../../../../src/ingest/smb/client.js';
import { Command, Dialect, FileNotifyChange, NtStatus } from '../../../../src/ingest/smb/constants.js';
import { SmbError, SmbStatusError } from '../../../../src/ingest/smb/errors.js';
import { startSamba, type SambaServer } from '../../../helpers/samba.js';
import { sleep } from '../../../helpers/wait.js';

const DIALECTS = [Dialect.Smb202, Dialect.Smb210, Dialect.Smb300, Dialect.Smb302, Dialect.Smb311] as const;

function options(s: SambaServer, extra: Partial<SmbClientOptions> = {}): SmbClientOptions {
  return { host: s.host, port: s.port, share: 'share', user: s.user, password: s.password, domain: '', timeoutMs: 5000, ...extra };
}

async function rejectsWithStatus(p: Promise<unknown>, status: number, command: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SmbStatusError, `expected an SmbStatusError, got ${String(err)}`);
    assert.equal(err.statusName, new SmbStatusError(status, command).statusName);
    assert.equal(err.command, command);
    return true;
  });
}

describe('SMB client and a default Samba', () => {
  let samba: SambaServer;
  let client: SmbClient;
  const big = randomBytes(5 * 1024 * 1024 + 12345);
  const edge = randomBytes(4 * 1024 * 1024 + 1);

  before(async () => {
    samba = await startSamba({ shares: { share: {}, public: { 'guest ok': 'yes' } } });
    const root = samba.sharePath();
    writeFileSync(join(root, 'hello.txt'), 'hello world\n');
    writeFileSync(join(root, 'empty.txt'), '');
    writeFileSync(join(root, 'big.bin'), big);
    writeFileSync(join(root, 'edge.bin'), edge);
    mkdirSync(join(root, 'obs'));
    writeFileSync(join(root, 'obs', '2026-01-01 10-00-00.m3u8'), '#EXTM3U\n');
    writeFileSync(join(root, 'obs', '2026-01-01 10-00-00_0.ts'), 'x');
    writeFileSync(join(root, 'obs', 'notes.m3u8.tmp'), 'x');
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < 3000; i++) writeFileSync(join(root, 'many', `segment-with-a-longish-name-${i}.ts`), '');
    writeFileSync(join(samba.sharePath('public'), 'open.txt'), 'anyone may read this\n');
    client = await SmbClient.connect(options(samba));
  });

  after(async () => {
    await client?.close();
    await samba?.cleanup();
  });

  test('negotiates SMB 3.1.1 and signs with AES-CMAC', () => {
    assert.equal(client.info.dialect, Dialect.Smb311);
    assert.equal(client.info.signing, 'aes-cmac');
    assert.equal(client.info.guest, false);
    assert.equal(client.info.anonymous, false);
    assert.equal(client.info.serverRequiresSigning, false);
  });

  test('poll answers metadata and content in one round trip (CREATE + READ + CLOSE)', async () => {
    const before = client.counters.requests;
    const r = await client.poll('hello.txt', 65536);
    assert.equal(client.counters.requests - before, 3, 'three messages, sent as one compound');
    assert.equal(r.data?.toString(), 'hello world\n');
    assert.equal(r.meta.endOfFile, 12n);
    assert.equal(r.meta.isDirectory, false);
    const dir = await client.poll('obs', 65536);
    assert.equal(dir.meta.isDirectory, true);
    assert.equal(dir.data, undefined);
  });

  test('stat and QUERY_INFO agree on the size', async () => {
    const meta = await client.stat('big.bin');
    assert.equal(meta.endOfFile, BigInt(big.length));
    const h = await client.open('big.bin');
    const info = await client.queryStandardInfo(h.fileId);
    await client.closeHandle(h.fileId);
    assert.equal(info.endOfFile, BigInt(big.length));
    assert.equal(info.directory, false);
  });

  test('readFile returns files byte for byte: empty, small, a 4 MiB + 1 edge and 5 MiB', async () => {
    assert.equal((await client.readFile('empty.txt')).data.length, 0);
    assert.equal((await client.readFile('hello.txt')).data.toString(), 'hello world\n');
    const e = await client.readFile('edge.bin');
    assert.equal(e.meta.endOfFile, BigInt(edge.length));
    assert.ok(e.data.equals(edge), 'the 4 MiB + 1 file is identical');
    const b = await client.readFile('big.bin');
    assert.equal(b.meta.endOfFile, BigInt(big.length));
    assert.ok(b.data.equals(big), 'the 5 MiB file is identical');
    const capped = await client.readFile('big.bin', { maxBytes: 1024 * 1024 });
    assert.equal(capped.meta.endOfFile, BigInt(big.length), 'over maxBytes: the size is told');
    assert.ok(capped.data.length < big.length, 'and the rest is not read');
  });

  test('readdir lists a folder with a server-side pattern, and long listings whole', async () => {
    const playlists = await client.readdir('obs', '*.m3u8');
    assert.deepEqual(
      playlists.map((e) => e.name),
      ['2026-01-01 10-00-00.m3u8'],
    );
    const all = await client.readdir('obs');
    assert.equal(all.length, 3);
    const many = await client.readdir('many', '*.ts');
    assert.equal(many.length, 3000, 'a listing longer than one 64 KiB answer is complete');
    assert.equal(new Set(many.map((e) => e.name)).size, 3000);
  });

  test('a missing file or folder is the server\'s clear NTSTATUS', async () => {
    await rejectsWithStatus(client.poll('nope.m3u8', 100), NtStatus.ObjectNameNotFound, Command.Create);
    await rejectsWithStatus(client.poll('no/such/dir/stream.m3u8', 100), NtStatus.ObjectPathNotFound, Command.Create);
    await rejectsWithStatus(client.readdir('nope'), NtStatus.ObjectNameNotFound, Command.Create);
    // The connection is still good afterwards.
    await client.echo();
  });

  test('CHANGE_NOTIFY: STATUS_PENDING is an interim answer, the real one comes with the change', async () => {
    const h = await client.open('obs');
    try {
      const waiting = client.changeNotify(h.fileId, FileNotifyChange.FileName);
      await sleep(300);
      writeFileSync(join(samba.sharePath(), 'obs', 'new.m3u8'), '#EXTM3U\n');
      const changes = await waiting;
      assert.ok(changes.some((c) => c.name === 'new.m3u8'), `notified of new.m3u8: ${JSON.stringify(changes)}`);

      // An aborted wait sends CANCEL and leaves the connection usable.
      const ac = new AbortController();
      const cancelled = client.changeNotify(h.fileId, FileNotifyChange.FileName, { signal: ac.signal });
      await sleep(200);
      ac.abort();
      await assert.rejects(cancelled, (e: unknown) => e instanceof SmbError && e.kind === 'aborted');
      await client.echo();
    } finally {
      await client.closeHandle(h.fileId);
    }
  });

  test('every dialect from 2.0.2 to 3.1.1 signs in, signs and reads', async () => {
    for (const dialect of DIALECTS) {
      const c = await SmbClient.connect(options(samba, { dialects: [dialect] }));
      try {
        assert.equal(c.info.dialect, dialect);
        assert.equal(c.info.signing, dialect <= Dialect.Smb210 ? 'hmac-sha256' : 'aes-cmac');
        assert.equal((await c.readFile('hello.txt')).data.toString(), 'hello world\n');
        assert.ok((await c.readFile('big.bin')).data.equals(big), `5 MiB over ${c.info.dialectName}`);
      } finally {
        await c.close();
      }
    }
  });

  test('a guest share opens with an anonymous sign-in (unsigned: there is no key)', async () => {
    const c = await SmbClient.connect(options(samba, { share: 'public', user: '', password: '' }));
    try {
      assert.equal(c.info.anonymous, true);
      assert.equal(c.info.signing, 'none');
      assert.equal((await c.readFile('open.txt')).data.toString(), 'anyone may read this\n');
    } finally {
      await c.close();
    }
  });

  test('a wrong password is STATUS_LOGON_FAILURE at SESSION_SETUP', async () => {
    await rejectsWithStatus(SmbClient.connect(options(samba, { password: 'not-the-password' })), NtStatus.LogonFailure, Command.SessionSetup);
  });

  test('an unknown share is STATUS_BAD_NETWORK_NAME at TREE_CONNECT', async () => {
    await rejectsWithStatus(SmbClient.connect(options(samba, { share: 'nosuchshare' })), NtStatus.BadNetworkName, Command.TreeConnect);
  });

  test('nothing listening is a connection error', async () => {
    await assert.rejects(SmbClient.connect(options(samba, { port: 1 })), (e: unknown) => e instanceof SmbError && e.kind === 'connection');
  });
});

describe('SMB client and a Samba that requires signing (server signing = mandatory)', () => {
  let samba: SambaServer;

  before(async () => {
    samba = await startSamba({ global: { 'server signing': 'mandatory' } });
    writeFileSync(join(samba.sharePath(), 'hello.txt'), 'signed hello\n');
  });

  after(async () => {
    await samba?.cleanup();
  });

  test('HMAC-SHA256 (2.0.2, 2.1) and AES-CMAC (3.0, 3.0.2, 3.1.1) signatures are accepted and verified', async () => {
    for (const dialect of DIALECTS) {
      const c = await SmbClient.connect(options(samba, { dialects: [dialect] }));
      try {
        assert.equal(c.info.serverRequiresSigning, true);
        assert.equal(c.info.signing, dialect <= Dialect.Smb210 ? 'hmac-sha256' : 'aes-cmac');
        assert.equal((await c.poll('hello.txt', 1000)).data?.toString(), 'signed hello\n');
        assert.deepEqual(
          (await c.readdir('')).map((e) => e.name),
          ['hello.txt'],
        );
      } finally {
        await c.close();
      }
    }
  });
});

describe('SMB client and a Samba limited to SMB 2.1 (server max protocol = SMB2_10)', () => {
  let samba: SambaServer;

  before(async () => {
    samba = await startSamba({ global: { 'server max protocol': 'SMB2_10' } });
    writeFileSync(join(samba.sharePath(), 'hello.txt'), 'two point one\n');
  });

  after(async () => {
    await samba?.cleanup();
  });

  test('offering everything lands on 2.1 with HMAC-SHA256', async () => {
    const c = await SmbClient.connect(options(samba));
    try {
      assert.equal(c.info.dialect, Dialect.Smb210);
      assert.equal(c.info.signing, 'hmac-sha256');
      assert.equal((await c.readFile('hello.txt')).data.toString(), 'two point one\n');
    } finally {
      await c.close();
    }
  });

  test('a client that offers only 3.x is refused at NEGOTIATE with STATUS_NOT_SUPPORTED', async () => {
    await rejectsWithStatus(
      SmbClient.connect(options(samba, { dialects: [Dialect.Smb300, Dialect.Smb311] })),
      NtStatus.NotSupported,
      Command.Negotiate,
    );
  });
});

describe('SMB client and an SMB1-only Samba (server min/max protocol = NT1)', () => {
  test('it hangs up at NEGOTIATE: a connection error that names the likely cause', async () => {
    const old = await startSamba({ global: { 'server min protocol': 'NT1', 'server max protocol': 'NT1' } });
    try {
      await assert.rejects(SmbClient.connect(options(old)), (e: unknown) => {
        assert.ok(e instanceof SmbError && e.kind === 'connection', String(e));
        assert.match(e.message, /closed the connection at NEGOTIATE.*SMB1-only/);
        return true;
      });
    } finally {
      await old.cleanup();
    }
  });
});

describe('SMB client and a server that hangs or dies', () => {
  let samba: SambaServer;

  before(async () => {
    samba = await startSamba();
    writeFileSync(join(samba.sharePath(), 'hello.txt'), 'hello\n');
  });

  after(async () => {
    samba?.resume();
    await samba?.cleanup();
  });

  test('a hung server: the request fails at its deadline and the client closes', async () => {
    const c = await SmbClient.connect(options(samba, { timeoutMs: 800 }));
    const closed = new Promise<Error>((resolve) => c.once('close', resolve));
    samba.pause();
    try {
      const started = Date.now();
      await assert.rejects(c.echo(), (e: unknown) => e instanceof SmbError && e.kind === 'timeout');
      const took = Date.now() - started;
      assert.ok(took >= 700 && took < 5000, `failed at the deadline (${took} ms)`);
      assert.equal((await closed).message.includes('did not answer'), true);
      assert.equal(c.closed, true);
      await assert.rejects(c.echo(), (e: unknown) => e instanceof SmbError);
    } finally {
      samba.resume();
    }
  });

  test('a killed server: requests in flight fail at once, and a new client works after restart', async () => {
    const c = await SmbClient.connect(options(samba));
    const h = await c.open('');
    // Settled into a value at once, so the rejection is never unhandled while smbd dies.
    const waiting = c.changeNotify(h.fileId, FileNotifyChange.FileName).then(
      () => undefined,
      (e: unknown) => e,
    );
    const closed = new Promise<Error>((resolve) => c.once('close', resolve));
    await sleep(100);
    const killedAt = Date.now();
    await samba.kill();
    const err = await waiting;
    assert.ok(err instanceof SmbError && err.kind === 'connection', `failed as a lost connection: ${String(err)}`);
    assert.ok(Date.now() - killedAt < 3000, 'at once, not at some deadline');
    await closed;
    await assert.rejects(SmbClient.connect(options(samba)), (e: unknown) => e instanceof SmbError && e.kind === 'connection');
    await samba.start();
    const again = await SmbClient.connect(options(samba));
    try {
      assert.equal((await again.readFile('hello.txt')).data.toString(), 'hello\n');
    } finally {
      await again.close();
    }
  });
});
