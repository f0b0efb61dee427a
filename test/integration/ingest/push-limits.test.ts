// Push ingest under bad input and abuse, against a real sharecast on loopback: each refusal
// with its HTTP status and stable code, and nothing already published is lost.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs } from '../../helpers/ffmpeg.js';
import { PUSH_KEY, openUpload, rawUpload, startPushRelay, type PushRelay, type RawAnswer } from '../../helpers/push-relay.js';
import { startPushTap } from '../../helpers/push-tap.js';
import { parseRelayPlaylist } from '../../helpers/relay.js';
import { sleep, waitFor } from '../../helpers/wait.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const code = (a: RawAnswer) => (JSON.parse(a.body) as { error: { code: string } }).error.code;
const media = (segments: string[]) => ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0', ...segments.flatMap((s) => ['#EXTINF:1.0,', s]), ''].join('\n');

/** Every file below `dir`, relative, with its size. */
function filesBelow(dir: string): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push({ path: relative(dir, p), size: s.size });
    }
  };
  walk(dir);
  return out;
}

describe('push ingest: limits and bad input', { timeout: 120_000 }, () => {
  let relay: PushRelay;
  const streams = ['live', 'keys', 'names', 'big', 'slow', 'busy', 'gap', 'cut'];
  const url = (stream: string, file: string, key = PUSH_KEY) => `${relay.url}/ingest/${stream}/${key}/${file}`;

  before(async () => {
    relay = await startPushRelay([...streams.flatMap((s) => ['--source', `${s}=push`]), '--push-max-file', '1MiB', '--push-memory', '2MiB', '--offline-after', '2']);
  });

  after(async () => {
    await relay?.stop();
  });

  it('answers a wrong or missing key 401 (with a Basic challenge), then makes that address wait (429, Retry-After)', async () => {
    const from = { localAddress: '127.0.0.3' };
    const missing = await rawUpload(`${relay.url}/ingest/keys/stream.m3u8`, { body: 'x', ...from });
    assert.equal(missing.status, 401);
    assert.equal(code(missing), 'push_key_invalid');
    assert.match(String(missing.headers['www-authenticate']), /^Basic realm="sharecast ingest"/);
    // Five wrong keys are answered 401 and nothing more; the sixth starts the wait.
    for (let i = 0; i < 6; i++) {
      const wrong = await rawUpload(url('keys', 'stream.m3u8', 'not-the-key-0123456789'), { body: 'x', ...from });
      assert.equal(wrong.status, 401, `wrong key ${i + 1}`);
      assert.ok(!wrong.body.includes('not-the-key'));
    }
    const waiting = await rawUpload(url('keys', 'stream.m3u8'), { body: media([]), ...from });
    assert.equal(waiting.status, 429, 'even the right key waits now');
    assert.equal(code(waiting), 'push_backoff');
    assert.equal(waiting.headers['retry-after'], '1');
    assert.equal((await rawUpload(url('keys', 'stream.m3u8'), { body: media([]), localAddress: '127.0.0.4' })).status, 201, 'another address is not held back');
    await sleep(1100);
    assert.equal((await rawUpload(url('keys', 'other.m3u8'), { body: media([]), localAddress: '127.0.0.4' })).status, 201);
  });

  it('refuses names outside the stream (400) and other file types (415)', async () => {
    for (const file of ['..%2f..%2fetc%2fpasswd.ts', '%2e%2e/x.ts', '.hidden.ts', 'a/../../b.ts', 'a%5cb.ts', 'a%00.ts']) {
      const r = await rawUpload(url('names', file), { body: 'x' });
      assert.equal(r.status, 400, file);
      assert.equal(code(r), 'push_path_invalid');
    }
    for (const file of ['x.exe', 'x.html', 'stream.ts.tmp', 'index']) {
      const r = await rawUpload(url('names', file), { body: 'x' });
      assert.equal(r.status, 415, file);
      assert.equal(code(r), 'push_type_invalid');
    }
    assert.equal((await relay.text('/hls/names/index.m3u8')).status, 404, 'nothing was taken');
  });

  it('refuses a body over the file cap (413 push_too_large), declared or chunked, and one over the stream\'s memory (413 push_memory_full)', async () => {
    const declared = await rawUpload(url('big', 'huge.ts'), { body: Buffer.alloc(MiB + 1) });
    assert.equal(declared.status, 413);
    assert.equal(code(declared), 'push_too_large');
    const chunked = await rawUpload(url('big', 'huge2.ts'), { pieces: [Buffer.alloc(600 * 1024), Buffer.alloc(600 * 1024)] });
    assert.equal(chunked.status, 413);
    assert.equal(code(chunked), 'push_too_large');
    // Two uploads in progress hold 1.8 MiB of the 2 MiB; a third cannot fit.
    const a = openUpload(url('big', 'a.m4s'));
    const b = openUpload(url('big', 'b.m4s'));
    a.write(Buffer.alloc(900 * 1024));
    b.write(Buffer.alloc(900 * 1024));
    await waitFor('the two uploads held', async () => ((await relay.adminPush()).streams.find((s) => s.name === 'big')?.pusher?.uploading ?? 0) >= 2, 5000);
    await sleep(200);
    const third = await rawUpload(url('big', 'c.m4s'), { pieces: [Buffer.alloc(400 * 1024)] });
    assert.equal(third.status, 413);
    assert.equal(code(third), 'push_memory_full');
    a.end();
    b.breakOff();
    assert.equal((await a.answer).status, 201);
    const afterwards = await rawUpload(url('big', 'c.m4s'), { body: Buffer.alloc(400 * 1024) });
    assert.equal(afterwards.status, 201, 'room again once the broken upload let go of its bytes');
  });

  it('cuts off an upload slower than the floor rate (408 push_too_slow) and closes its connection', async () => {
    const started = Date.now();
    const trickle = await rawUpload(url('slow', 'slow.ts'), { pieces: Array.from({ length: 40 }, () => Buffer.alloc(100)), everyMs: 500 });
    assert.equal(trickle.status, 408);
    assert.equal(code(trickle), 'push_too_slow');
    assert.equal(trickle.headers.connection, 'close');
    assert.ok(Date.now() - started < 15_000);
    // An upload at a normal pace over longer than a floor window is fine.
    const steady = await rawUpload(url('slow', 'steady.ts'), { pieces: Array.from({ length: 12 }, () => Buffer.alloc(4000)), everyMs: 500 });
    assert.equal(steady.status, 201);
  });

  it('answers a second pusher 409 push_busy while the first is active, and lets it take over once the first has been silent', async () => {
    assert.equal((await rawUpload(url('busy', 'stream.m3u8'), { body: media([]) })).status, 201);
    const second = await rawUpload(url('busy', 'stream.m3u8'), { body: media([]), localAddress: '127.0.0.2' });
    assert.equal(second.status, 409);
    assert.equal(code(second), 'push_busy');
    await sleep(1000);
    assert.equal((await rawUpload(url('busy', 's0.ts'), { body: 'first still here' })).status, 201);
    await sleep(1200);
    assert.equal((await rawUpload(url('busy', 'stream.m3u8'), { body: media([]), localAddress: '127.0.0.2' })).status, 409, 'the first pushed 1.2 s ago');
    await sleep(3100);
    assert.equal((await rawUpload(url('busy', 'stream.m3u8'), { body: media([]), localAddress: '127.0.0.2' })).status, 204, 'silent for 3 x 1 s: taken over');
    assert.equal((await relay.adminPush()).streams.find((s) => s.name === 'busy')?.pusher?.address, '127.0.0.2');
    assert.equal((await rawUpload(url('busy', 's1.ts'), { body: 'x' })).status, 409, 'now the first one waits');
  });

  it('skips segments a playlist names that never arrive, with a discontinuity', async () => {
    for (const s of ['g0.ts', 'g2.ts']) assert.equal((await rawUpload(url('gap', s), { body: `bytes of ${s}` })).status, 201);
    assert.equal((await rawUpload(url('gap', 'stream.m3u8'), { body: media(['g0.ts', 'g1.ts', 'g2.ts']) })).status, 201);
    const pl = await waitFor('the relay\'s playlist', async () => {
      const r = await relay.text('/hls/gap/index.m3u8');
      return r.status === 200 && parseRelayPlaylist(r.text).segments.length >= 2 ? parseRelayPlaylist(r.text) : undefined;
    }, 5000);
    assert.equal(pl.segments.length, 2);
    assert.deepEqual(pl.segments.map((s) => s.discontinuity), [false, true]);
    assert.equal((await relay.bytes(`/hls/gap/${pl.segments[1]?.uri}`)).bytes.toString(), 'bytes of g2.ts');
    assert.match((await relay.text('/metrics')).text, /sharecast_source_errors_total\{stream="gap",code="source_unavailable"\} [1-9]/);
  });

  it('never publishes a segment whose upload was killed mid-way (kill -9 ffmpeg), even when a playlist names it', async () => {
    requireFfmpeg();
    const dir = mkdtempSync(join(tmpdir(), 'sharecast-push-cut-'));
    // Slowed down, so the kill lands in the middle of an upload.
    const tap = await startPushTap(relay.url, { bytesPerSecond: 100_000 });
    const obs = startObs({ dir, pushUrl: `${tap.url}/ingest/cut/${PUSH_KEY}` });
    try {
      await waitFor('two segments in', async () => {
        const r = await relay.text('/hls/cut/index.m3u8');
        return r.status === 200 && parseRelayPlaylist(r.text).segments.length >= 2;
      }, 30_000);
      const inFlight = await waitFor('a segment upload half way', () => tap.uploads.find((u) => u.file.endsWith('.ts') && u.endedAt === undefined && u.size > 8000), 10_000);
      await obs.kill();
      await waitFor('the tap to see it break off', () => inFlight.brokeOff, 5000);
      const partial = Buffer.concat(inFlight.bytes);
      // A playlist naming it (as if OBS had listed it): sharecast has no whole upload of it, so it is skipped.
      assert.equal((await rawUpload(url('cut', 'stream.m3u8'), { body: media(['stream0.ts', inFlight.file]) })).status, 204);
      await sleep(800);
      const pl = parseRelayPlaylist((await relay.text('/hls/cut/index.m3u8')).text);
      const complete = tap.completeHashes();
      for (const s of pl.segments) {
        const body = (await relay.bytes(`/hls/cut/${s.uri}`)).bytes;
        assert.ok(complete.has(sha(body)), `${s.uri} is a whole upload`);
        assert.notEqual(sha(body), sha(partial));
      }
    } finally {
      await obs.kill();
      await tap.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('wrote nothing of the uploads to disk: the data dir holds only its own small files', () => {
    const files = filesBelow(relay.dataDir);
    for (const f of files) {
      assert.ok(!/\.(ts|m4s|mp4|m3u8|mpd|aac)$/.test(f.path), `${f.path} is an upload`);
      assert.ok(f.size < 16 * 1024, `${f.path} is ${f.size} bytes`);
    }
    assert.ok(files.every((f) => /^(chat\/|streams\/|admin-token$)/.test(f.path)), files.map((f) => f.path).join(', '));
  });
});
