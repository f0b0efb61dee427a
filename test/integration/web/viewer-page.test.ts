// The viewer's page in a real headless Chromium, fed by a real ffmpeg writing
// HLS into a folder the way OBS does, relayed by sharecast started in-process.
// One browser, several contexts (separate viewers), one stream that stops and
// restarts. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, MEDIA_PROBE_SCRIPT, mediaState, openPage, screenshot, videoTime, type WatchedPage } from '../../helpers/browser.js';
import { requireFfmpeg, startObs, type Obs, type ObsOptions } from '../../helpers/ffmpeg.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { sleep, waitFor } from '../../helpers/wait.js';

const TOKEN = 'browser-test-admin-token-0123456789';
const TITLE = 'Browser test stream';

/** Waits until the page's video has played `seconds` past where it was when first seen playing. */
async function playsFor(page: Page, seconds: number, timeoutMs = 30_000): Promise<{ from: number; to: number }> {
  const from = await waitFor('the video to start playing', async () => {
    const t = await videoTime(page);
    return t > 0 ? t : undefined;
  }, timeoutMs, 200);
  const to = await waitFor(`the video to advance by ${seconds} s`, async () => {
    const t = await videoTime(page);
    return t >= from + seconds ? t : undefined;
  }, timeoutMs, 200);
  return { from, to };
}

async function chatName(page: Page): Promise<string> {
  return waitFor('the chat welcome (own name shown)', async () => {
    const name = (await page.textContent('[data-chat-name]'))?.trim();
    return name && name !== '…' ? name : undefined;
  }, 15_000);
}

async function viewerListText(page: Page): Promise<string> {
  return (await page.textContent('[data-viewers-list]')) ?? '';
}

/** Types into the chat with the keyboard and sends with Enter. */
async function say(page: Page, text: string): Promise<void> {
  await page.focus('#chat-input');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function messageTexts(page: Page): Promise<string[]> {
  return page.$$eval('[data-chat-messages] li[data-id] .text', (els) => els.map((e) => e.textContent ?? ''));
}

describe('viewer page in Chromium', { concurrency: false }, () => {
  let dir: string;
  let obs: Obs | undefined;
  let relay: Relay | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const watched: WatchedPage[] = [];
  let viewerA: WatchedPage;
  let viewerB: WatchedPage;
  let spammer: WatchedPage;
  let proxy: TcpProxy | undefined;
  let embed: WatchedPage;
  let imagePath: string;
  const obsOptions = (): ObsOptions => ({ dir, hlsTime: 1, listSize: 5, flags: ['delete_segments'], size: '640x360' });

  const newViewer = async (path = '/', options: Parameters<Browser['newContext']>[0] = {}): Promise<WatchedPage> => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 720 }, ...options });
    contexts.push(context);
    await context.addInitScript(MEDIA_PROBE_SCRIPT);
    const w = await openPage(context, `${relay!.url}${path}`);
    watched.push(w);
    return w;
  };

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-obs-'));
    imagePath = join(dir, 'away.png');
    const png = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', imagePath]);
    assert.equal(png.status, 0, png.stderr?.toString());
    obs = startObs(obsOptions());
    relay = await startRelay(['--source', join(dir, 'stream.m3u8'), '--offline-after', '2', '--admin-token', TOKEN, '--title', TITLE]);
    browser = await launchChromium();
    await waitFor('the stream to go online', async () => (await relay!.status()).online, 30_000, 200);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await proxy?.close();
    await obs?.kill();
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the page plays the live stream: currentTime advances by at least 3 s', async () => {
    viewerA = await newViewer('/');
    const { page } = viewerA;
    const { from, to } = await playsFor(page, 3);
    assert.ok(to - from >= 3);
    assert.equal(await page.getAttribute('[data-bind="badge"]', 'data-state'), 'live');
    assert.equal((await page.textContent('header [data-bind="title"]'))?.trim(), TITLE);
    assert.equal(await page.isVisible('[data-player-offline]'), false);
    // hls.js (not the native player) runs it, from this server.
    const usesHlsJs = await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).src.startsWith('blob:'));
    assert.ok(usesHlsJs, 'the video is fed through Media Source Extensions by hls.js');
    assert.ok(page.workers().some((w) => w.url().endsWith('/vendor/hls.worker.js')), 'hls.js transmuxes in its web worker, off the page\'s thread');
    // A classic stream (whole segments, no parts) keeps the classic settings: 2.5 segments behind the edge.
    const { player } = await mediaState(page);
    assert.equal(player?.lowLatency, 'no');
    assert.equal(player?.hasParts, false);
    assert.ok(player && player.targetLatency !== null, 'hls.js has a target latency');
    assert.ok(player.targetLatency >= 2.5 * player.targetDuration - 1e-9 && player.targetLatency <= 3.5 * player.targetDuration + 1e-9,
      `target ${player.targetLatency} s for ${player.targetDuration} s segments`);
    const link = await page.getAttribute('[data-bind="playlist-link"]', 'href');
    assert.equal(link, `${relay!.url}/hls/live/index.m3u8`);
    console.log(`live page screenshot: ${await screenshot(page, 'viewer-page-live')}`);
  });

  test('two viewers see each other in the viewer list before anyone types, then chat', async () => {
    viewerB = await newViewer('/');
    const a = viewerA.page;
    const b = viewerB.page;
    const nameA = await chatName(a);
    const nameB = await chatName(b);
    assert.notEqual(nameA, nameB);
    await waitFor(`A's viewer list to show ${nameB}`, async () => (await viewerListText(a)).includes(nameB), 15_000, 200);
    await waitFor(`B's viewer list to show ${nameA}`, async () => (await viewerListText(b)).includes(nameA), 15_000, 200);
    assert.deepEqual(await messageTexts(a), [], 'nobody has typed yet');

    await say(a, 'hello from A <b>not bold</b>');
    await waitFor('B to see A\'s message', async () => (await messageTexts(b)).includes('hello from A <b>not bold</b>'), 10_000);
    const author = await b.textContent('[data-chat-messages] li[data-id] .author');
    assert.equal(author, nameA);
    assert.equal(await b.$$eval('[data-chat-messages] b', (els) => els.length), 0, 'message text is shown as text, never as HTML');
    assert.equal(await a.inputValue('#chat-input'), '', 'the box empties after sending');

    await say(b, 'hi A, B here');
    await waitFor('A to see B\'s reply', async () => (await messageTexts(a)).includes('hi A, B here'), 10_000);
  });

  test('your own name is shown and can be changed with the keyboard', async () => {
    const a = viewerA.page;
    await a.focus('[data-chat-rename]');
    await a.keyboard.press('Enter');
    await a.waitForSelector('#chat-name-input', { state: 'visible' });
    await a.keyboard.press('Control+A');
    await a.keyboard.type('Alice the tester');
    await a.keyboard.press('Enter');
    await waitFor('A\'s new name', async () => (await a.textContent('[data-chat-name]')) === 'Alice the tester', 10_000);
    await waitFor('B\'s viewer list to show the new name', async () => (await viewerListText(viewerB.page)).includes('Alice the tester'), 15_000, 200);
  });

  test('rate-limit messages are shown', async () => {
    spammer = await newViewer('/embed/chat');
    const p = spammer.page;
    await chatName(p);
    for (let i = 0; i < 5; i++) {
      await p.evaluate((n) => {
        const input = document.querySelector('#chat-input') as HTMLInputElement;
        input.value = `spam ${n}`;
        (document.querySelector('[data-chat-form]') as HTMLFormElement).requestSubmit();
      }, i);
    }
    await waitFor('the rate-limit notice', async () => /too quickly/i.test((await p.textContent('[data-chat-notice]')) ?? ''), 10_000);
    assert.equal(await p.isDisabled('[data-chat-send]'), true, 'sending waits until the block is over');
  });

  test('the chat reconnects by itself after the connection drops', async () => {
    proxy = await startTcpProxy(relay!.port);
    const context = await browser!.newContext();
    contexts.push(context);
    const w = await openPage(context, `${proxy.url}/embed/chat`);
    watched.push(w);
    const p = w.page;
    const name = await chatName(p);
    await p.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __states: string[] }).__states = seen;
      const el = document.querySelector('[data-chat-state]')!;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
    });
    assert.ok(proxy.dropAll() > 0, 'there was a connection to drop');
    await waitFor('the chat to be connected again', async () => {
      const states = await p.evaluate(() => (window as unknown as { __states: string[] }).__states);
      return states.some((s) => /reconnecting/i.test(s)) && states.at(-1) === '';
    }, 20_000, 100);
    assert.equal(await chatName(p), name, 'same name after reconnecting (the viewer token is kept)');
    await say(p, 'back again');
    await waitFor('A to see the message sent after the reconnect', async () => (await messageTexts(viewerA.page)).includes('back again'), 10_000);
    await p.close();
  });

  test('/embed/video plays', async () => {
    // Kept open until the end: it has no WebSocket, so it follows the stream by polling /api/status.
    embed = await newViewer('/embed/video', { viewport: { width: 480, height: 270 } });
    const { from, to } = await playsFor(embed.page, 2);
    assert.ok(to - from >= 2);
    assert.equal(await embed.page.$('[data-chat]'), null, 'the video embed has no chat');
  });

  test('the admin hides a message and it disappears from another viewer\'s page', async () => {
    await say(viewerA.page, 'this one gets hidden');
    await waitFor('B to see the message', async () => (await messageTexts(viewerB.page)).includes('this one gets hidden'), 10_000);

    const admin = await newViewer('/admin');
    const p = admin.page;
    await p.fill('#admin-token', TOKEN);
    await p.press('#admin-token', 'Enter');
    await p.waitForSelector('[data-admin-panel]', { state: 'visible', timeout: 10_000 });
    const row = p.locator('[data-admin-messages] li', { hasText: 'this one gets hidden' });
    await row.waitFor({ timeout: 10_000 });
    await row.getByRole('button', { name: /^Hide/ }).click();
    await waitFor('the message to disappear from B\'s page', async () => !(await messageTexts(viewerB.page)).includes('this one gets hidden'), 10_000);
    await waitFor('…and from A\'s', async () => !(await messageTexts(viewerA.page)).includes('this one gets hidden'), 10_000);
    assert.ok((await messageTexts(viewerB.page)).includes('hi A, B here'), 'other messages stay');
  });

  test('the admin bans a user: their messages disappear and they cannot chat', async () => {
    const p = watched.find((w) => w.page.url().endsWith('/admin'))!.page;
    const row = p.locator('[data-admin-messages] li', { hasText: 'spam 0' });
    await row.waitFor({ timeout: 10_000 });
    const ban = row.getByRole('button', { name: /^Ban/ });
    await ban.click();
    await ban.click(); // asks once more before it bans
    await waitFor('the spam to disappear from A\'s page', async () => !(await messageTexts(viewerA.page)).some((t) => t.startsWith('spam')), 10_000);
    await waitFor('the banned viewer to be told', async () => /cannot chat/i.test((await spammer.page.textContent('[data-chat-notice]')) ?? ''), 10_000);
    await p.locator('[data-admin-bans] li').first().waitFor({ timeout: 10_000 });
    await spammer.page.close();
  });

  test('the admin switches chat off and on', async () => {
    const p = watched.find((w) => w.page.url().endsWith('/admin'))!.page;
    await p.click('[data-admin-chat-toggle]');
    await waitFor('chat off on B\'s page', async () => viewerB.page.isDisabled('#chat-input'), 10_000);
    assert.match((await viewerB.page.textContent('[data-chat-notice]')) ?? '', /switched off/i);
    await waitFor('the toggle to flip', async () => (await p.textContent('[data-admin-chat-toggle]')) === 'Enable chat', 10_000);
    await p.click('[data-admin-chat-toggle]');
    await waitFor('chat on again on B\'s page', async () => !(await viewerB.page.isDisabled('#chat-input')), 10_000);
  });

  test('the admin uploads an offline image and sets the title', async () => {
    const p = watched.find((w) => w.page.url().endsWith('/admin'))!.page;
    await p.setInputFiles('#admin-image-file', imagePath);
    await p.click('[data-admin-image-form] button[type="submit"]');
    await waitFor('the upload to be confirmed', async () => /saved/i.test((await p.textContent('[data-admin-image-result]')) ?? ''), 10_000);
    const res = await relay!.get('/offline-image');
    assert.equal(res.headers.get('content-type'), 'image/png');
    await res.arrayBuffer();

    await p.fill('#admin-title', 'Back soon');
    await p.press('#admin-title', 'Enter');
    await waitFor('the new title on the viewer page', async () => (await viewerA.page.textContent('header [data-bind="title"]'))?.trim() === 'Back soon', 10_000);
    await p.setViewportSize({ width: 1100, height: 1000 });
    console.log(`admin page screenshot: ${await screenshot(p, 'admin-page')}`);
  });

  test('a phone-sized screen: no sideways scrolling, chat below the video', async () => {
    const phone = await newViewer('/', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = phone.page;
    await playsFor(p, 1);
    const layout = await p.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      playerBottom: document.querySelector('[data-player]')!.getBoundingClientRect().bottom,
      chatTop: document.querySelector('.chat-panel')!.getBoundingClientRect().top,
    }));
    assert.ok(layout.scrollWidth <= 390, `page is ${layout.scrollWidth}px wide`);
    assert.ok(layout.chatTop >= layout.playerBottom, 'chat sits below the player');
    const input = await p.locator('#chat-input').boundingBox();
    assert.ok(input && input.y + input.height <= 844, 'the chat box is on screen without scrolling');
    console.log(`phone screenshot: ${await screenshot(p, 'viewer-page-phone')}`);
    await p.close();
  });

  test('OBS stops: the offline image is visible within the offline timeout', async () => {
    const a = viewerA.page;
    await a.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 42));
    const status = (await (await relay!.get('/api/status')).json()) as { streams: { live: { offlineAfterSeconds: number } } };
    const timeout = status.streams.live.offlineAfterSeconds;
    assert.ok(timeout > 0 && timeout <= 6, `offline timeout ${timeout}`);
    const stoppedAt = Date.now();
    await obs!.stop();
    await waitFor('the offline image', async () => {
      const shown = await a.evaluate(() => {
        const box = document.querySelector('[data-player-offline]') as HTMLElement;
        const img = document.querySelector('[data-player-offline-image]') as HTMLImageElement;
        const video = document.querySelector('video') as HTMLVideoElement;
        return !box.hidden && video.hidden && img.complete && img.naturalWidth > 0;
      });
      return shown || undefined;
    }, 30_000, 100);
    const elapsed = (Date.now() - stoppedAt) / 1000;
    console.log(`offline image shown ${elapsed.toFixed(1)} s after OBS stopped (offline timeout ${timeout} s)`);
    // The timeout, plus up to two seconds for the news to reach the page on a busy machine.
    assert.ok(elapsed <= timeout + 2, `offline image after ${elapsed.toFixed(1)} s; the offline timeout is ${timeout} s`);
    assert.equal(await a.getAttribute('[data-bind="badge"]', 'data-state'), 'offline');
    assert.equal((await a.textContent('[data-player-offline] [data-bind="title"]'))?.trim(), 'Back soon');
    // The image the admin uploaded (320x180), not the built-in one.
    const width = await a.evaluate(() => (document.querySelector('[data-player-offline-image]') as HTMLImageElement).naturalWidth);
    assert.equal(width, 320);
    console.log(`offline page screenshot: ${await screenshot(a, 'viewer-page-offline')}`);
    await waitFor('the video embed (status by polling) to show the offline image', () => embed.page.isVisible('[data-player-offline]'), 10_000, 200);
  });

  test('OBS restarts: the video plays again without a reload', async () => {
    await sleep(1000);
    obs = startObs(obsOptions());
    const { from, to } = await playsFor(viewerA.page, 3, 40_000);
    assert.ok(to - from >= 3);
    assert.equal(await viewerA.page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument), 42, 'the page was not reloaded');
    assert.equal(await viewerA.page.isVisible('[data-player-offline]'), false);
    assert.equal(await viewerA.page.getAttribute('[data-bind="badge"]', 'data-state'), 'live');
    await playsFor(viewerB.page, 1, 20_000);
    await playsFor(embed.page, 1, 20_000);
    assert.equal(await embed.page.isVisible('[data-player-offline]'), false);
  });

  test('no console errors on any page', () => {
    const errors = watched.flatMap((w) => w.errors.map((e) => `${w.page.url()}: ${e}`));
    assert.deepEqual(errors, []);
  });
});
