// Issue 12's headers: a client (or a shared cache) revalidating the live
// playlist with If-Modified-Since alone never keeps a changed body for a 304
// (not even when it gained ENDLIST within the same second as the version it
// holds); and every body that can come compressed says Vary: Accept-Encoding.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg } from '../../helpers/ffmpeg.js';
import { rawGet } from '../../helpers/raw-get.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { SlateCycle } from '../../helpers/slate-cycle.js';
import { waitFor } from '../../helpers/wait.js';

requireFfmpeg();

const TOKEN = 'revalidation-admin-token-0123456789';

const PLAYLIST = '/hls/live/index.m3u8';

describe('revalidating the live playlist with If-Modified-Since alone', () => {
  let cycle: SlateCycle;
  before(async () => {
    cycle = await SlateCycle.start({}, ['--admin-token', TOKEN]);
  });
  after(async () => cycle?.stop());

  /**
   * One try: with the slate running, catch a new version early in the second
   * it was rendered in, end the stream at once, and revalidate the version
   * held by its Last-Modified alone. Returns whether both versions shared that
   * second (the case that matters; a slow machine may miss it).
   */
  async function endAndRevalidate(port: number): Promise<boolean> {
    let held = await rawGet(port, PLAYLIST);
    const fresh = await waitFor('a new version early in its second', async () => {
      const next = await rawGet(port, PLAYLIST);
      const changed = next.body.toString() !== held.body.toString();
      held = next;
      const now = Date.now();
      return changed && now % 1000 < 300 && Date.parse(String(next.headers['last-modified'])) === now - (now % 1000) ? next : undefined;
    }, 20_000, 20);
    const end = await cycle.relay.get('/api/admin/end', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(end.status, 200);
    await end.arrayBuffer();
    const ended = await rawGet(port, PLAYLIST);
    assert.match(ended.body.toString(), /#EXT-X-ENDLIST/);
    assert.doesNotMatch(fresh.body.toString(), /#EXT-X-ENDLIST/);
    const lastModified = String(fresh.headers['last-modified']);

    const revalidated = await rawGet(port, PLAYLIST, { 'If-Modified-Since': lastModified });
    assert.equal(revalidated.status, 200, 'a changed body is never a 304');
    assert.deepEqual(revalidated.body, ended.body);
    // With the ETag the client holds: 200 too; with the new one: 304.
    assert.equal((await rawGet(port, PLAYLIST, { 'If-None-Match': String(fresh.headers['etag']) })).status, 200);
    assert.equal((await rawGet(port, PLAYLIST, { 'If-None-Match': String(ended.headers['etag']) })).status, 304);
    // A date past the ended playlist's: it has not changed since, a 304.
    const later = new Date(Date.parse(String(ended.headers['last-modified'])) + 2000).toUTCString();
    assert.equal((await rawGet(port, PLAYLIST, { 'If-Modified-Since': later })).status, 304);
    return ended.headers['last-modified'] === lastModified;
  }

  test('a playlist that gained ENDLIST (in the same second as the version the client holds) is a 200 with the new body, never a 304', async () => {
    await cycle.goLive();
    let sameSecond = false;
    for (let attempt = 0; attempt < 3 && !sameSecond; attempt++) {
      // Ended: OBS again is a new presentation, then away again.
      if (attempt > 0) await cycle.restartObs();
      await cycle.stopObs(); // the slate goes on: a new version about every second
      sameSecond = await endAndRevalidate(cycle.relay.port);
    }
    assert.ok(sameSecond, 'in one of 3 tries, the ENDLIST version shared the Last-Modified second of the version before');
  });
});

describe('Vary: Accept-Encoding', () => {
  let relay: Relay;
  before(async () => {
    relay = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
    await waitFor('demo playlist', async () => ((await relay.playlist())?.segments.length ?? 0) >= 2, 10_000);
  });
  after(async () => relay?.stop());

  test('the player library, gzipped or not, and its 304, say Vary: Accept-Encoding', async () => {
    for (const file of ['hls.light.min.mjs', 'hls.worker.js']) {
      const zipped = await rawGet(relay.port, `/vendor/${file}`, { 'Accept-Encoding': 'gzip' });
      const plain = await rawGet(relay.port, `/vendor/${file}`, { 'Accept-Encoding': 'identity' });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(plain.headers['content-encoding'], undefined);
      for (const r of [zipped, plain]) assert.match(String(r.headers['vary']), /accept-encoding/i, `${file}: Vary`);
      const again = await rawGet(relay.port, `/vendor/${file}`, { 'Accept-Encoding': 'gzip', 'If-None-Match': String(zipped.headers['etag']) });
      assert.equal(again.status, 304);
      assert.match(String(again.headers['vary']), /accept-encoding/i, `${file}: Vary on the 304`);
    }
  });

  test('no answer comes compressed without saying Vary: Accept-Encoding', async () => {
    const pl = await relay.playlist();
    const seg = pl?.segments.at(-1)?.uri;
    assert.ok(seg);
    const paths = ['/', '/index.html', '/embed/video', '/admin/', '/js/player.js', '/css/site.css', '/offline-image', '/api/status', '/api/viewers', '/healthz', '/metrics', PLAYLIST, `/hls/live/${seg}`, '/vendor/hls.light.min.mjs', '/vendor/hls.worker.js'];
    const compressed: string[] = [];
    for (const path of paths) {
      const r = await rawGet(relay.port, path, { 'Accept-Encoding': 'gzip, deflate, br' });
      if (r.headers['content-encoding'] === undefined) continue;
      compressed.push(path);
      assert.match(String(r.headers['vary']), /accept-encoding/i, `${path} is ${r.headers['content-encoding']} without Vary: Accept-Encoding`);
    }
    assert.ok(compressed.includes('/vendor/hls.light.min.mjs'), 'the player library does come compressed');
  });
});
