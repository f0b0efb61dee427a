// The SMB source against a real smbd, with a real ffmpeg writing HLS into the
// share's folder as OBS would: snapshots, whole segments, the clear failures
// (each logged once), guest shares, and recovery after smbd is killed.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { SmbSourceSpec } from '../../../../src/config/source-spec.js';
import { ErrorCode } from '../../../../src/errors.js';
import type { PlaylistSnapshot, SourceStatus } from '../../../../src/ingest/source.js';
import { SmbSource, type SmbSourceOptions } from '../../../../src/ingest/smb-source.js';
import { Dialect } from '../../../../src/ingest/smb/constants.js';
import { createLogger } from '../../../../src/log/logger.js';
import { requireFfmpeg, startObs, type Obs } from '../../../helpers/ffmpeg.js';
import { startSamba, type SambaServer } from '../../../helpers/samba.js';
import { sleep, waitFor } from '../../../helpers/wait.js';

requireFfmpeg();

interface Harness {
  source: SmbSource;
  snapshots: PlaylistSnapshot[];
  statuses: SourceStatus[];
  logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  rawLog: () => string;
}

function spec(samba: SambaServer, path: string, extra: Partial<SmbSourceSpec> = {}): SmbSourceSpec {
  return { kind: 'smb', name: 'live', host: samba.host, port: samba.port, domain: '', user: samba.user, password: samba.password, share: 'share', path, ...extra };
}

async function open(s: SmbSourceSpec, extra: Partial<SmbSourceOptions> = {}): Promise<Harness> {
  let raw = '';
  const logs: Harness['logs'] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination, pretty: false });
  const source = new SmbSource({ spec: s, logger, pollIntervalMs: 100, reconnectMinMs: 100, reconnectMaxMs: 400, slowRetryMs: 300, requestTimeoutMs: 2000, ...extra });
  const h: Harness = { source, snapshots: [], statuses: [], logs, rawLog: () => raw };
  await source.start({ onPlaylist: (p) => h.snapshots.push(p), onStatus: (st) => h.statuses.push(st) });
  return h;
}

const WARN = 40;

describe('SMB source', () => {
  let samba: SambaServer;
  let obs: Obs | undefined;
  const opened: SmbSource[] = [];
  const track = async (p: Promise<Harness>): Promise<Harness> => {
    const h = await p;
    opened.push(h.source);
    return h;
  };

  before(async () => {
    samba = await startSamba({ shares: { share: {}, public: { 'guest ok': 'yes' } } });
  });

  after(async () => {
    await obs?.kill();
    for (const s of opened) await s.close();
    await samba?.cleanup();
  });

  test('follows a playlist ffmpeg writes into the share; segments come whole and byte-identical', async () => {
    const dir = join(samba.sharePath(), 'obs');
    mkdirSync(dir);
    obs = startObs({ dir, playlist: 'stream.m3u8', hlsTime: 1, listSize: 4 });
    const h = await track(open(spec(samba, 'obs/stream.m3u8')));
    await waitFor('4 playlist versions', () => h.snapshots.length >= 4, 30_000);
    assert.equal(h.source.status().state, 'ok');
    for (let i = 1; i < h.snapshots.length; i++) {
      assert.notEqual(h.snapshots[i]?.text, h.snapshots[i - 1]?.text, 'a snapshot only when the text changed');
      assert.equal(h.snapshots[i]?.name, 'stream.m3u8');
    }
    const latest = h.snapshots.at(-1) as PlaylistSnapshot;
    const uris = latest.text.split('\n').filter((l) => l.endsWith('.ts'));
    assert.ok(uris.length >= 2);
    for (const uri of uris) {
      const bytes = await h.source.readSegment(uri);
      assert.ok(Buffer.from(bytes).equals(readFileSync(join(dir, uri))), `${uri} is byte-identical`);
    }
    await obs.stop();
    obs = undefined;
  });

  test('segment URIs cannot leave the playlist folder, and a missing segment is a clear error', async () => {
    const h = await track(open(spec(samba, 'obs/stream.m3u8')));
    await assert.rejects(h.source.readSegment('../secret.ts'), { code: ErrorCode.PathOutsideSource });
    await assert.rejects(h.source.readSegment('/etc/passwd'), { code: ErrorCode.PathOutsideSource });
    await assert.rejects(h.source.readSegment('gone-999.ts'), { code: ErrorCode.SourceUnavailable, message: /listed but not on the share/ });
  });

  test('a segment cut short or still being written on the share is never taken, and a playlist over 8 MiB is not read (issue 10, items 1 and 5)', async () => {
    const dir = join(samba.sharePath(), 'obs');
    mkdirSync(dir, { recursive: true });
    // 1,200 MPEG-TS packets (sync byte 0x47, a counter as payload).
    const whole = Buffer.alloc(188 * 1200, 0xff);
    for (let i = 0; i < 1200; i++) whole.writeUInt32BE(0x47000010 | (i & 0xf) << 8, i * 188);
    const h = await track(open(spec(samba, 'obs/stream.m3u8')));
    // A TS file cut inside a packet (an old write time, so only the bytes can tell).
    writeFileSync(join(dir, 'cut.ts'), whole.subarray(0, 22_711));
    utimesSync(join(dir, 'cut.ts'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await assert.rejects(h.source.readSegment('cut.ts'), { code: ErrorCode.SegmentIncomplete });
    // An empty file.
    writeFileSync(join(dir, 'empty.ts'), '');
    await assert.rejects(h.source.readSegment('empty.ts'), { code: ErrorCode.SegmentIncomplete });
    // A file that grows by whole packets while it is read: refused, then taken whole once it stops.
    const growing = join(dir, 'growing.ts');
    writeFileSync(growing, whole.subarray(0, 188 * 100));
    let at = 188 * 100;
    const writer = setInterval(() => {
      if (at >= whole.length) return;
      const next = Math.min(whole.length, at + 188 * 50);
      appendFileSync(growing, whole.subarray(at, next));
      at = next;
    }, 10);
    try {
      await assert.rejects(h.source.readSegment('growing.ts'), { code: ErrorCode.SegmentIncomplete });
    } finally {
      clearInterval(writer);
    }
    appendFileSync(growing, whole.subarray(at));
    await sleep(1100);
    assert.ok(Buffer.from(await h.source.readSegment('growing.ts')).equals(whole), 'taken whole once complete');
    // A 9 MiB playlist: an error naming the limit, and no snapshot of it.
    const big = await track(open(spec(samba, 'obs/huge.m3u8')));
    writeFileSync(join(dir, 'huge.m3u8'), `#EXTM3U\n${'#'.repeat(9 * 1024 * 1024)}\n`);
    await waitFor('the source refuses the playlist', () => (big.source.status().error?.code === ErrorCode.PlaylistInvalid ? true : undefined), 10_000);
    assert.match(big.source.status().error?.message ?? '', /8388608/);
    assert.equal(big.snapshots.length, 0);
  });

  test('a folder path follows the newest .m3u8 in it (OBS names each recording by its start time)', async () => {
    const dir = join(samba.sharePath(), 'recordings');
    mkdirSync(dir);
    writeFileSync(join(dir, '2026-01-01 10-00-00.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n# first\n');
    utimesSync(join(dir, '2026-01-01 10-00-00.m3u8'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeFileSync(join(dir, 'not-a-playlist.m3u8.tmp'), 'x');
    const h = await track(open(spec(samba, 'recordings')));
    await waitFor('the first playlist', () => h.snapshots.length >= 1);
    assert.equal(h.snapshots[0]?.name, '2026-01-01 10-00-00.m3u8');
    writeFileSync(join(dir, '2026-01-01 11-00-00.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n# second\n');
    await waitFor('the newer playlist', () => h.snapshots.at(-1)?.name === '2026-01-01 11-00-00.m3u8');
    assert.match(h.snapshots.at(-1)?.text ?? '', /# second/);
    const before = h.snapshots.length;
    await sleep(500);
    assert.equal(h.snapshots.length, before, 'no snapshot while nothing changes');
  });

  test('waits for a playlist that is not there yet, and a missing folder is an error', async () => {
    mkdirSync(join(samba.sharePath(), 'later'));
    const h = await track(open(spec(samba, 'later/stream.m3u8')));
    assert.equal(h.source.status().state, 'waiting');
    assert.match(h.source.status().error?.message ?? '', /waiting for OBS to write stream\.m3u8/);
    writeFileSync(join(samba.sharePath(), 'later', 'stream.m3u8'), '#EXTM3U\n');
    await waitFor('the playlist', () => h.snapshots.length === 1);
    assert.equal(h.source.status().state, 'ok');

    const missing = await track(open(spec(samba, 'no/such/folder/stream.m3u8')));
    assert.equal(missing.source.status().state, 'error');
    assert.equal(missing.source.status().error?.code, ErrorCode.SourceUnavailable);
    assert.match(missing.source.status().error?.message ?? '', /does not exist/);
  });

  test('a change notification from the server makes the source look at once, long before the next tick', async () => {
    const folder = join(samba.sharePath(), 'notify');
    mkdirSync(folder);
    writeFileSync(join(folder, 'stream.m3u8'), '#EXTM3U\n# one\n');
    const fast = await track(open(spec(samba, 'notify/stream.m3u8'), { pollIntervalMs: 60_000 }));
    const slow = await track(open(spec(samba, 'notify/stream.m3u8'), { pollIntervalMs: 60_000, changeNotify: false }));
    await waitFor('both see the first version', () => fast.snapshots.length === 1 && slow.snapshots.length === 1);
    await sleep(300); // the watch is armed after the first tick
    // As ffmpeg does it: write a temp file, rename it over the playlist.
    writeFileSync(join(folder, 'stream.m3u8.tmp'), '#EXTM3U\n# two\n');
    renameSync(join(folder, 'stream.m3u8.tmp'), join(folder, 'stream.m3u8'));
    await waitFor('the notified source sees the new version', () => /# two/.test(fast.snapshots.at(-1)?.text ?? ''), 5000);
    assert.equal(slow.snapshots.length, 1, 'without notifications, nothing before the 60 s tick');
  });

  test('a wrong password: source_auth_failed in the status, one log line however often it retries, no password anywhere', async () => {
    const h = await track(open(spec(samba, 'obs/stream.m3u8', { password: 'Wrong-Secret-42' })));
    assert.equal(h.source.status().state, 'error');
    assert.equal(h.source.status().error?.code, ErrorCode.SourceAuthFailed);
    assert.match(h.source.status().error?.message ?? '', /refused user "sharecast-test": wrong user name or password/);
    await sleep(1200); // several slow retries at 300 ms
    const warnings = h.logs.filter((l) => l.level >= WARN);
    assert.equal(warnings.length, 1, `one warning: ${JSON.stringify(warnings)}`);
    assert.ok(!h.rawLog().includes('Wrong-Secret-42'), 'the password is never logged');
    assert.ok(!h.source.description.includes('Wrong-Secret-42'));
    assert.ok(!JSON.stringify(h.statuses).includes('Wrong-Secret-42'));
  });

  test('an unknown share: source_share_not_found', async () => {
    const h = await track(open(spec(samba, 'stream.m3u8', { share: 'obs-share-typo' })));
    assert.equal(h.source.status().error?.code, ErrorCode.SourceShareNotFound);
    assert.match(h.source.status().error?.message ?? '', /share "obs-share-typo" does not exist/);
  });

  test('a server that refuses every offered dialect: source_protocol', async () => {
    const old = await startSamba({ global: { 'server max protocol': 'SMB2_10' } });
    try {
      const h = await open(spec(old, 'stream.m3u8'), { dialects: [Dialect.Smb300, Dialect.Smb302, Dialect.Smb311] });
      try {
        assert.equal(h.source.status().error?.code, ErrorCode.SourceProtocol);
        assert.match(h.source.status().error?.message ?? '', /refused every SMB dialect sharecast speaks .*STATUS_NOT_SUPPORTED/);
      } finally {
        await h.source.close();
      }
    } finally {
      await old.cleanup();
    }
  });

  test('a guest share is read with an anonymous sign-in', async () => {
    writeFileSync(join(samba.sharePath('public'), 'stream.m3u8'), '#EXTM3U\n# public\n');
    const h = await track(open(spec(samba, 'stream.m3u8', { share: 'public', user: '', password: '' })));
    await waitFor('the playlist', () => h.snapshots.length === 1);
    assert.match(h.snapshots[0]?.text ?? '', /# public/);
  });

  test('smbd killed and restarted: the source goes to error without throwing and comes back by itself', async () => {
    const dir = join(samba.sharePath(), 'restart');
    mkdirSync(dir);
    writeFileSync(join(dir, 'stream.m3u8'), '#EXTM3U\n# before\n');
    const h = await track(open(spec(samba, 'restart/stream.m3u8'), { dialects: [Dialect.Smb210, Dialect.Smb311] }));
    await waitFor('the playlist', () => h.snapshots.length === 1);
    await samba.kill();
    await waitFor('an error status', () => h.source.status().state === 'error', 10_000);
    assert.equal(h.source.status().error?.code, ErrorCode.SourceUnavailable);
    await assert.rejects(h.source.readSegment('seg0.ts'), { code: ErrorCode.SourceUnavailable });
    writeFileSync(join(dir, 'stream.m3u8'), '#EXTM3U\n# after\n');
    await sleep(500);
    await samba.start();
    await waitFor('the source back', () => h.source.status().state === 'ok', 15_000);
    await waitFor('the new playlist', () => /# after/.test(h.snapshots.at(-1)?.text ?? ''));
    const warnings = h.logs.filter((l) => l.level >= WARN);
    assert.ok(warnings.length >= 1 && warnings.length <= 3, `a few warnings, not one per retry: ${warnings.length}`);
    assert.ok(h.logs.some((l) => /back/.test(String(l.msg))), 'says it is back');
  });
});
