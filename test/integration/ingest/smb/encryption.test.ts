// SMB 3 encryption against a real smbd (Samba 4.17): `smb encrypt =
// required` at 3.0, 3.0.2 and 3.1.1 with every cipher Samba offers,
// `desired`, a share that alone requires it, and the clear failure when the
// connection cannot encrypt. A wiretap between client and server shows that
// what should be encrypted is.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SmbClient, type SmbClientOptions } from '../../../../src/ingest/smb/client.js';
import { Command, Dialect, FileNotifyChange, NtStatus } from '../../../../src/ingest/smb/constants.js';
import { SmbError, SmbStatusError } from '../../../../src/ingest/smb/errors.js';
import { startSamba, type SambaOptions, type SambaServer } from '../../../helpers/samba.js';
import { SmbWiretap } from '../../../helpers/smb-wiretap.js';
import { sleep } from '../../../helpers/wait.js';

const big = randomBytes(5 * 1024 * 1024 + 777);

function options(s: SambaServer, port: number, extra: Partial<SmbClientOptions> = {}): SmbClientOptions {
  return { host: s.host, port, share: 'share', user: s.user, password: s.password, domain: '', timeoutMs: 5000, ...extra };
}

async function withSamba(opts: SambaOptions, fn: (s: SambaServer) => Promise<void>): Promise<void> {
  const s = await startSamba(opts);
  try {
    writeFileSync(join(s.sharePath(), 'hello.txt'), 'hello, encrypted\n');
    writeFileSync(join(s.sharePath(), 'big.bin'), big);
    mkdirSync(join(s.sharePath(), 'obs'));
    await fn(s);
  } finally {
    await s.cleanup();
  }
}

/** Reads through a wiretap and checks that everything after SESSION_SETUP was encrypted, both ways. */
async function readsEncrypted(s: SambaServer, extra: Partial<SmbClientOptions>, expect: { cipher: string; requiredBy: 'session' | 'share'; share?: string }): Promise<void> {
  const tap = new SmbWiretap(s.port);
  const port = await tap.listen();
  const share = expect.share ?? 'share';
  const c = await SmbClient.connect(options(s, port, { share, ...extra }));
  try {
    assert.deepEqual(c.info.encryption, { cipher: expect.cipher, requiredBy: expect.requiredBy });
    assert.equal(c.info.signing, 'aes-cmac');
    const setupFrames = tap.frames.length;
    assert.equal((await c.poll('hello.txt', 1000)).data?.toString(), 'hello, encrypted\n', 'compound CREATE + READ + CLOSE in one transform');
    assert.ok((await c.readFile('big.bin')).data.equals(big), '5 MiB, byte for byte');
    assert.deepEqual((await c.readdir('', '*.txt')).map((e) => e.name), ['hello.txt']);
    // STATUS_PENDING and the answer that follows come encrypted too.
    const h = await c.open('obs');
    const waiting = c.changeNotify(h.fileId, FileNotifyChange.FileName);
    await sleep(200);
    const name = `new-${randomBytes(4).toString('hex')}.m3u8`;
    writeFileSync(join(s.sharePath(share), 'obs', name), '#EXTM3U\n');
    assert.ok((await waiting).some((e) => e.name === name));
    // An aborted wait sends an encrypted CANCEL; the connection stays good.
    const ac = new AbortController();
    const cancelled = c.changeNotify(h.fileId, FileNotifyChange.FileName, { signal: ac.signal });
    await sleep(100);
    ac.abort();
    await assert.rejects(cancelled, (e: unknown) => e instanceof SmbError && e.kind === 'aborted');
    await c.closeHandle(h.fileId);
    await c.echo();
    const later = tap.frames.slice(setupFrames);
    assert.ok(later.length >= 10);
    assert.deepEqual(
      later.filter((f) => f.kind !== 'encrypted').map((f) => `${f.toServer ? '>' : '<'} ${f.commands.join('+')}`),
      [],
      'nothing after the sign-in goes in the clear',
    );
  } finally {
    await c.close();
    await tap.close();
  }
}

describe('SMB client and Samba with smb encrypt = required', () => {
  test('SMB 3.0 and 3.0.2 encrypt with AES-128-CCM, the only cipher they have', async () => {
    await withSamba({ encrypt: 'required' }, async (s) => {
      for (const dialect of [Dialect.Smb300, Dialect.Smb302]) {
        await readsEncrypted(s, { dialects: [dialect] }, { cipher: 'aes-128-ccm', requiredBy: 'session' });
      }
    });
  });

  for (const cipher of ['AES-128-GCM', 'AES-128-CCM', 'AES-256-GCM', 'AES-256-CCM'] as const) {
    test(`SMB 3.1.1 with ${cipher}, the cipher the server agrees to`, async () => {
      await withSamba({ encrypt: 'required', ciphers: [cipher] }, async (s) => {
        await readsEncrypted(s, {}, { cipher: cipher.toLowerCase(), requiredBy: 'session' });
      });
    });
  }

  test('offered everything, Samba picks AES-128-GCM at 3.1.1', async () => {
    await withSamba({ encrypt: 'required' }, async (s) => {
      const c = await SmbClient.connect(options(s, s.port));
      try {
        assert.equal(c.info.dialect, Dialect.Smb311);
        assert.deepEqual(c.info.encryption, { cipher: 'aes-128-gcm', requiredBy: 'session' });
      } finally {
        await c.close();
      }
    });
  });

  test('a connection that cannot encrypt (SMB 2.1) is refused, and the error says why', async () => {
    await withSamba({ encrypt: 'required' }, async (s) => {
      await assert.rejects(SmbClient.connect(options(s, s.port, { dialects: [Dialect.Smb202, Dialect.Smb210] })), (e: unknown) => {
        assert.ok(e instanceof SmbStatusError, String(e));
        assert.equal(e.status, NtStatus.AccessDenied);
        assert.equal(e.command, Command.SessionSetup);
        assert.match(e.message, /requires SMB 3 encryption.*SMB 2\.1, the newest dialect the server offered, cannot encrypt/);
        return true;
      });
    });
  });
});

describe('an encrypted answer changed on the way', () => {
  test('fails its tag: the connection closes with an integrity error, and a new one works', async () => {
    await withSamba({ encrypt: 'required' }, async (s) => {
      let armed = false;
      const tap = new SmbWiretap(s.port, {
        rewriteFromServer: (frame) => {
          if (!armed || frame[0] !== 0xfd) return frame;
          armed = false;
          const out = Buffer.from(frame);
          out[out.length - 1] = (out[out.length - 1] as number) ^ 0x80;
          return out;
        },
      });
      const port = await tap.listen();
      const c = await SmbClient.connect(options(s, port));
      try {
        const closed = new Promise<Error>((resolve) => c.once('close', resolve));
        armed = true;
        await assert.rejects(c.readFile('hello.txt'), (e: unknown) => e instanceof SmbError && e.kind === 'signature' && /did not decrypt/.test(e.message));
        assert.match((await closed).message, /did not decrypt/);
        assert.equal(c.closed, true);
        const again = await SmbClient.connect(options(s, port));
        assert.equal((await again.readFile('hello.txt')).data.toString(), 'hello, encrypted\n');
        await again.close();
      } finally {
        await c.close();
        await tap.close();
      }
    });
  });
});

describe('SMB client and Samba with smb encrypt = desired', () => {
  test('sharecast now encrypts the session at every SMB 3 dialect, and stays plain (signed) at 2.1', async () => {
    await withSamba({ encrypt: 'desired' }, async (s) => {
      await readsEncrypted(s, { dialects: [Dialect.Smb300] }, { cipher: 'aes-128-ccm', requiredBy: 'session' });
      await readsEncrypted(s, {}, { cipher: 'aes-128-gcm', requiredBy: 'session' });
      const c = await SmbClient.connect(options(s, s.port, { dialects: [Dialect.Smb210] }));
      try {
        assert.equal(c.info.encryption, undefined);
        assert.equal(c.info.signing, 'hmac-sha256');
        assert.equal((await c.readFile('hello.txt')).data.toString(), 'hello, encrypted\n');
      } finally {
        await c.close();
      }
    });
  });
});

describe('SMB client and a share that alone requires encryption', () => {
  let samba: SambaServer;

  before(async () => {
    samba = await startSamba({ shares: { share: {}, secret: { 'smb encrypt': 'required' } } });
    writeFileSync(join(samba.sharePath('secret'), 'hello.txt'), 'hello, encrypted\n');
    writeFileSync(join(samba.sharePath('secret'), 'big.bin'), big);
    mkdirSync(join(samba.sharePath('secret'), 'obs'));
    writeFileSync(join(samba.sharePath(), 'plain.txt'), 'plain\n');
  });

  after(async () => {
    await samba?.cleanup();
  });

  test('TREE_CONNECT says so (SHAREFLAG_ENCRYPT_DATA); from then on every request is encrypted', async () => {
    for (const dialect of [Dialect.Smb300, Dialect.Smb302, Dialect.Smb311]) {
      await readsEncrypted(samba, { dialects: [dialect] }, { cipher: dialect === Dialect.Smb311 ? 'aes-128-gcm' : 'aes-128-ccm', requiredBy: 'share', share: 'secret' });
    }
  });

  test('the other share on the same server stays signed, not encrypted', async () => {
    const tap = new SmbWiretap(samba.port);
    const port = await tap.listen();
    const c = await SmbClient.connect(options(samba, port));
    try {
      assert.equal(c.info.encryption, undefined);
      assert.equal((await c.readFile('plain.txt')).data.toString(), 'plain\n');
      assert.ok(tap.frames.every((f) => f.kind === 'smb2'));
    } finally {
      await c.close();
      await tap.close();
    }
  });

  test('over SMB 2.1 the share refuses, and the error names encryption', async () => {
    await assert.rejects(SmbClient.connect(options(samba, samba.port, { share: 'secret', dialects: [Dialect.Smb210] })), (e: unknown) => {
      assert.ok(e instanceof SmbStatusError, String(e));
      assert.equal(e.command, Command.TreeConnect);
      assert.match(e.message, /STATUS_ACCESS_DENIED.*a share that requires SMB 3 encryption answers this, and SMB 2\.1/);
      return true;
    });
  });
});

describe('what the server checks of the sign-in (Samba 4.17)', () => {
  /** Flips the byte `find` points at in the final SESSION_SETUP request (the one with the AUTHENTICATE message). */
  function tamper(find: (frame: Buffer) => number): (frame: Buffer) => Buffer {
    return (frame) => {
      if (frame[0] !== 0xfe || frame.readUInt16LE(12) !== Command.SessionSetup) return frame;
      const at = find(frame);
      if (at < 0) return frame;
      const out = Buffer.from(frame);
      out[at] = (out[at] as number) ^ 0x01;
      return out;
    };
  }
  const authenticate = (frame: Buffer): number => frame.indexOf(Buffer.from('NTLMSSP\0\x03\0\0\0', 'latin1'));

  test('a changed NTLM MIC is refused: Samba verifies the MIC sharecast computes', async () => {
    await withSamba({}, async (s) => {
      const tap = new SmbWiretap(s.port, { rewrite: tamper((f) => (authenticate(f) < 0 ? -1 : authenticate(f) + 72)) });
      const port = await tap.listen();
      try {
        // Samba answers a wrong MIC with STATUS_INVALID_PARAMETER.
        await assert.rejects(SmbClient.connect(options(s, port)), (e: unknown) => e instanceof SmbStatusError && e.status === NtStatus.InvalidParameter);
      } finally {
        await tap.close();
      }
      // Untouched, the same sign-in works.
      const ok = new SmbWiretap(s.port);
      const okPort = await ok.listen();
      const c = await SmbClient.connect(options(s, okPort));
      await c.close();
      await ok.close();
    });
  });

  test('a changed SPNEGO mechListMIC is refused too', async () => {
    await withSamba({}, async (s) => {
      // The mechListMIC is the last 16 bytes of the token: version 1, checksum, sequence number 0.
      const tap = new SmbWiretap(s.port, { rewrite: tamper((f) => (authenticate(f) < 0 ? -1 : f.length - 10)) });
      const port = await tap.listen();
      try {
        // Samba answers a wrong mechListMIC with STATUS_ACCESS_DENIED.
        await assert.rejects(SmbClient.connect(options(s, port)), (e: unknown) => e instanceof SmbStatusError && e.status === NtStatus.AccessDenied);
      } finally {
        await tap.close();
      }
    });
  });
});
