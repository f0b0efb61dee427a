// A second, independently written SMB server: stock Debian impacket 0.10
// (SimpleSMBServer, SMB 2.0.2, signing on). It reads the AUTHENTICATE
// message's fields where they sit when the MIC is present, and signs compound
// responses before linking them, so the client signs in as Windows does and
// falls back to separate CREATE / READ / CLOSE, saying so once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { SmbSourceSpec } from '../../../../src/config/source-spec.js';
import { SmbClient, type SmbClientOptions } from '../../../../src/ingest/smb/client.js';
import { Command, Dialect, NtStatus } from '../../../../src/ingest/smb/constants.js';
import { SmbStatusError } from '../../../../src/ingest/smb/errors.js';
import type { PlaylistSnapshot } from '../../../../src/ingest/source.js';
import { SmbSource } from '../../../../src/ingest/smb-source.js';
import { createLogger } from '../../../../src/log/logger.js';
import { requireFfmpeg, startObs, type Obs } from '../../../helpers/ffmpeg.js';
import { startImpacket, type ImpacketServer } from '../../../helpers/impacket.js';
import { SmbWiretap } from '../../../helpers/smb-wiretap.js';
import { waitFor } from '../../../helpers/wait.js';

requireFfmpeg();

function options(s: ImpacketServer, extra: Partial<SmbClientOptions> = {}): SmbClientOptions {
  return { host: s.host, port: s.port, share: s.share, user: s.user, password: s.password, domain: '', timeoutMs: 5000, ...extra };
}

describe('SMB client and impacket\'s SMB server', () => {
  let server: ImpacketServer;
  const big = randomBytes(3 * 1024 * 1024 + 99);

  before(async () => {
    server = await startImpacket();
    writeFileSync(join(server.sharePath, 'hello.txt'), 'hello from impacket\n');
    writeFileSync(join(server.sharePath, 'big.bin'), big);
    mkdirSync(join(server.sharePath, 'obs'));
    for (const n of ['a.m3u8', 'b.m3u8', 'c.ts']) writeFileSync(join(server.sharePath, 'obs', n), n);
  });

  after(async () => {
    await server?.cleanup();
  });

  test('signs in with NTLMv2 and its MIC, and every response verifies (HMAC-SHA256, SMB 2.0.2)', async () => {
    const c = await SmbClient.connect(options(server));
    try {
      assert.equal(c.info.dialect, Dialect.Smb202);
      assert.equal(c.info.signing, 'hmac-sha256', 'signed: impacket found the session key where Windows puts it');
      assert.equal(c.info.guest, false);
      const h = await c.open('hello.txt');
      assert.equal((await c.read(h.fileId, 0, 100)).toString(), 'hello from impacket\n');
      await c.closeHandle(h.fileId);
      await c.echo();
    } finally {
      await c.close();
    }
  });

  test('a compound response that does not verify: one fallback event, then separate requests, the connection kept', async () => {
    const tap = new SmbWiretap(server.port);
    const port = await tap.listen();
    const c = await SmbClient.connect(options(server, { port }));
    const fallbacks: Error[] = [];
    c.on('compound-fallback', (e) => fallbacks.push(e));
    try {
      assert.equal(c.compounding, true);
      assert.equal((await c.poll('hello.txt', 1000)).data?.toString(), 'hello from impacket\n');
      assert.equal(fallbacks.length, 1);
      assert.match(fallbacks[0]?.message ?? '', /signature of a CREATE response did not verify \(in a compound response\)/);
      assert.equal(c.compounding, false);
      tap.reset();
      assert.equal((await c.stat('hello.txt')).endOfFile, 20n);
      assert.ok((await c.readFile('big.bin')).data.equals(big), '3 MiB in 64 KiB reads (impacket\'s MaxReadSize)');
      assert.deepEqual((await c.readdir('obs', '*.m3u8')).map((e) => e.name).sort(), ['a.m3u8', 'b.m3u8']);
      // impacket says STATUS_NO_SUCH_FILE where Samba and Windows say STATUS_OBJECT_NAME_NOT_FOUND.
      await assert.rejects(c.poll('nope.m3u8', 100), (e: unknown) => e instanceof SmbStatusError && e.status === NtStatus.NoSuchFile && e.command === Command.Create);
      assert.equal(fallbacks.length, 1, 'said once');
      assert.ok(tap.frames.filter((f) => f.toServer).every((f) => f.commands.length === 1), 'no more compound requests');
      assert.equal(c.closed, false);
    } finally {
      await c.close();
      await tap.close();
    }
  });

  test('a wrong password is STATUS_LOGON_FAILURE', async () => {
    await assert.rejects(SmbClient.connect(options(server, { password: 'wrong' })), (e: unknown) => e instanceof SmbStatusError && e.status === NtStatus.LogonFailure);
  });
});

describe('SMB source reading OBS\'s output from impacket\'s server', () => {
  let server: ImpacketServer;
  let obs: Obs | undefined;
  let source: SmbSource | undefined;

  before(async () => {
    server = await startImpacket();
  });

  after(async () => {
    await obs?.kill();
    await source?.close();
    await server?.cleanup();
  });

  test('waits for the playlist, then follows the stream, segments byte-identical; the fallback is logged once and shows in the status', async () => {
    const dir = join(server.sharePath, 'obs');
    mkdirSync(dir);
    const logs: Array<{ level: number; msg: string }> = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
        cb();
      },
    });
    const spec: SmbSourceSpec = {
      kind: 'smb',
      name: 'live',
      host: server.host,
      port: server.port,
      domain: '',
      user: server.user,
      password: server.password,
      share: server.share,
      path: 'obs/stream.m3u8',
    };
    const snapshots: PlaylistSnapshot[] = [];
    source = new SmbSource({ spec, logger: createLogger({ level: 'debug', destination, pretty: false }), pollIntervalMs: 100, requestTimeoutMs: 3000 });
    await source.start({ onPlaylist: (p) => snapshots.push(p), onStatus: () => undefined });
    assert.equal(source.status().state, 'waiting', JSON.stringify(source.status()));
    assert.match(source.status().error?.message ?? '', /waiting for OBS to write stream\.m3u8/);
    obs = startObs({ dir, playlist: 'stream.m3u8', hlsTime: 1, listSize: 4 });
    await waitFor('4 playlist versions', () => snapshots.length >= 4, 30_000);
    const latest = snapshots.at(-1) as PlaylistSnapshot;
    const uris = latest.text.split('\n').filter((l) => l.endsWith('.ts'));
    assert.ok(uris.length >= 2);
    for (const uri of uris) {
      const bytes = await source.readSegment(uri);
      assert.ok(Buffer.from(bytes).equals(readFileSync(join(dir, uri))), `${uri} is byte-identical`);
    }
    const status = source.status();
    assert.equal(status.state, 'ok');
    assert.deepEqual(status.detail, { dialect: 'SMB 2.0.2', signing: 'hmac-sha256', encryption: 'none', compounding: false });
    const fallback = logs.filter((l) => /compound responses do not verify/.test(l.msg));
    assert.equal(fallback.length, 1, 'logged once');
    assert.equal(fallback[0]?.level, 40);
    assert.ok(logs.some((l) => /refuses change notifications; polling only/.test(l.msg)), 'impacket has no CHANGE_NOTIFY: polled');
    await obs.stop();
    obs = undefined;
  });
});
