// The viewer's page in a real headless Chromium playing LL-HLS: a real ffmpeg
// writes chunked CMAF with its dash muxer (the README's lowest-delay recipe),
// sharecast cuts it into parts, and the page's own player (hls.js) plays it
// with lowLatencyMode, video and the separate audio rendition. No latency is
// asserted here (that is bench:g2g's job): only that it plays, from parts,
// with blocking reloads, with the playlist's PART-HOLD-BACK as its target.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, MEDIA_PROBE_SCRIPT, mediaState, openPage, screenshot, type WatchedPage } from '../../helpers/browser.js';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { waitFor } from '../../helpers/wait.js';

/** Waits until the video and audio SourceBuffers have both grown by `seconds` past their first buffered end, and the playhead has moved as far. */
async function bothTracksAdvance(page: Page, seconds: number, timeoutMs = 30_000) {
  const first = await waitFor('a video and an audio SourceBuffer with data, and the video playing', async () => {
    const s = await mediaState(page);
    const video = s.buffered.find((b) => b.type.startsWith('video/'));
    const audio = s.buffered.find((b) => b.type.startsWith('audio/'));
    return video && audio && video.end > 0 && audio.end > 0 && s.currentTime > 0 ? { video: video.end, audio: audio.end, t: s.currentTime } : undefined;
  }, timeoutMs, 200);
  return waitFor(`both SourceBuffers and the playhead to advance by ${seconds} s`, async () => {
    const s = await mediaState(page);
    const video = s.buffered.find((b) => b.type.startsWith('video/'));
    const audio = s.buffered.find((b) => b.type.startsWith('audio/'));
    const ok = video && audio && video.end >= first.video + seconds && audio.end >= first.audio + seconds && s.currentTime >= first.t + seconds;
    return ok ? { first, last: s } : undefined;
  }, timeoutMs, 200);
}

describe('LL-HLS in Chromium through the page\'s own player', { concurrency: false, timeout: 180_000 }, () => {
  let dir: string;
  let obs: Obs | undefined;
  let relay: Relay | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const watched: WatchedPage[] = [];

  const newViewer = async (path: string, setup?: (context: BrowserContext) => Promise<void>): Promise<WatchedPage & { requests: string[] }> => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    await context.addInitScript(MEDIA_PROBE_SCRIPT);
    await setup?.(context);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const w = await openPage(context, `${relay!.url}${path}`);
    watched.push(w);
    return { ...w, requests };
  };

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-ll-web-'));
    relay = await startRelay(['--source', join(dir, 'stream.mpd')]);
    obs = startObs({ dir, muxer: 'dash', size: '640x360' });
    browser = await launchChromium();
    await waitFor('parts in both renditions', async () => {
      const [v, a] = await Promise.all(['media-0.m3u8', 'media-1.m3u8'].map(async (f) => (await relay!.get(`/hls/live/${f}`)).text()));
      return v!.includes('#EXT-X-PART:') && a!.includes('#EXT-X-PART:');
    }, 40_000, 200);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await obs?.kill();
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('plays video and the separate audio rendition from parts, with blocking reloads and PART-HOLD-BACK as the target', async () => {
    const viewer = await newViewer('/');
    const { first, last } = await bothTracksAdvance(viewer.page, 3);
    console.log(`buffered: video ${first.video.toFixed(2)} -> ${last.buffered.find((b) => b.type.startsWith('video/'))!.end.toFixed(2)} s, audio ${first.audio.toFixed(2)} -> ${last.buffered.find((b) => b.type.startsWith('audio/'))!.end.toFixed(2)} s`);
    const types = last.buffered.map((b) => b.type);
    assert.ok(types.some((t) => /^video\/mp4;\s*codecs="?avc1/i.test(t)), `a video SourceBuffer: ${types.join(', ')}`);
    assert.ok(types.some((t) => /^audio\/mp4;\s*codecs="?mp4a/i.test(t)), `an audio SourceBuffer: ${types.join(', ')}`);

    const p = last.player;
    assert.ok(p, 'the page\'s player runs hls.js');
    assert.equal(p.lowLatencyMode, true);
    assert.equal(p.hasParts, true, 'hls.js sees the parts');
    assert.equal(p.lowLatency, 'yes', 'the player marks itself as playing LL-HLS');
    for (const key of ['liveSyncDuration', 'liveSyncDurationCount', 'liveMaxLatencyDuration', 'liveMaxLatencyDurationCount']) {
      assert.ok(!p.userConfigKeys.includes(key), `the page gives hls.js no ${key}: it would override PART-HOLD-BACK`);
    }
    const served = await (await relay!.get('/hls/live/media-0.m3u8')).text();
    const partHoldBack = Number(/PART-HOLD-BACK=([\d.]+)/.exec(served)?.[1]);
    assert.equal(p.partHoldBack, partHoldBack);
    // The target is PART-HOLD-BACK, plus at most one target duration that hls.js adds after stalls.
    assert.ok(p.targetLatency !== null && p.targetLatency >= partHoldBack - 1e-9 && p.targetLatency <= partHoldBack + p.targetDuration + 1e-9,
      `target latency ${p.targetLatency} s; PART-HOLD-BACK ${partHoldBack} s`);
    console.log(`hls.js: latency ${p.latency.toFixed(2)} s, target ${p.targetLatency.toFixed(2)} s (PART-HOLD-BACK ${partHoldBack} s), ${p.stalls} stall(s)`);

    // Blocking reloads and parts, for the video and the audio rendition alike.
    for (const rendition of ['media-0', 'media-1']) {
      const blocking = viewer.requests.filter((u) => u.includes(`/${rendition}.m3u8?`) && /[?&]_HLS_msn=\d+/.test(u));
      assert.ok(blocking.length >= 5, `${rendition}: ${blocking.length} blocking reloads (_HLS_msn)`);
      assert.ok(blocking.some((u) => /[?&]_HLS_part=\d+/.test(u)), `${rendition}: blocking reloads name a part (_HLS_part)`);
    }
    const partUris = new Set([...served.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]));
    const audio = await (await relay!.get('/hls/live/media-1.m3u8')).text();
    const audioParts = new Set([...audio.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]));
    const fetched = new Set(viewer.requests.map((u) => new URL(u).pathname.split('/').pop()));
    assert.ok([...partUris].filter((u) => fetched.has(u)).length >= 3, 'the page fetched video parts the playlist lists now');
    assert.ok([...audioParts].filter((u) => fetched.has(u)).length >= 3, 'the page fetched audio parts the playlist lists now');
    assert.ok(await viewer.page.isHidden('[data-player-offline]'));
    console.log(`LL page screenshot: ${await screenshot(viewer.page, 'll-player')}`);
  });

  test('starts playing before any status arrives: the playlist loads in parallel with /api/status and the WebSocket', async () => {
    const held: Array<() => Promise<void>> = [];
    let holding = true;
    const viewer = await newViewer('/', async (context) => {
      // The status and the socket are held back until the video plays (the socket is never connected to the server).
      await context.route('**/api/status', (route) => {
        if (holding) held.push(() => route.continue());
        else void route.continue();
      });
      await context.routeWebSocket(/\/ws$/, () => {});
    });
    await bothTracksAdvance(viewer.page, 1);
    assert.ok(held.length >= 1, 'the page asked for its status (and is still waiting)');
    assert.equal(await viewer.page.getAttribute('[data-bind="badge"]', 'data-state'), 'offline', 'no status has reached the page yet');
    holding = false;
    for (const release of held.splice(0)) await release();
    await waitFor('the badge to say live once the status arrives', async () => (await viewer.page.getAttribute('[data-bind="badge"]', 'data-state')) === 'live', 10_000, 100);
    assert.ok((await mediaState(viewer.page)).currentTime > 0);
  });

  test('no console errors on any page', () => {
    const errors = watched.flatMap((w) => w.errors.map((e) => `${w.page.url()}: ${e}`));
    assert.deepEqual(errors, []);
  });
});
