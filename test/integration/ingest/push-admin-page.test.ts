// The admin page's "OBS anywhere" card in a real Chromium: the settings for OBS filled in
// for this server (its address, the stream's key), the key masked until asked for, and who
// is pushing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, screenshot, type WatchedPage } from '../../helpers/browser.js';
import { ADMIN_TOKEN, PUSH_KEY, rawUpload, startPushRelay, type PushRelay } from '../../helpers/push-relay.js';

describe('the admin page: OBS anywhere', { timeout: 60_000 }, () => {
  let relay: PushRelay;
  let browser: Browser;
  let admin: WatchedPage;

  before(async () => {
    relay = await startPushRelay();
    browser = await launchChromium();
    admin = await openPage(await browser.newContext(), `${relay.url}/admin`);
    await admin.page.fill('#admin-token', ADMIN_TOKEN);
    await admin.page.press('#admin-token', 'Enter');
    await admin.page.waitForSelector('[data-admin-push]', { state: 'visible', timeout: 15_000 });
  });

  after(async () => {
    if (admin) await screenshot(admin.page, 'admin-push').catch(() => undefined);
    await browser?.close();
    await relay?.stop();
  });

  it('shows the URL to paste, with the key masked until "Show key"', async () => {
    const p = admin.page;
    const hls = p.locator('[data-admin-push-recipe="hls"]');
    const url = hls.locator('[data-admin-push-url]');
    assert.equal(await url.textContent(), `${relay.url}/ingest/live/••••••••/stream.m3u8`);
    assert.ok(!(await p.locator('body').innerText()).includes(PUSH_KEY), 'the key is not on the page yet');
    await hls.getByRole('button', { name: /^Show the stream key/ }).click();
    assert.equal(await url.textContent(), `${relay.url}/ingest/live/${PUSH_KEY}/stream.m3u8`);
    await hls.getByRole('button', { name: /^Hide key|^Show the stream key/ }).click();
    assert.ok(!(await url.textContent())?.includes(PUSH_KEY));
  });

  it('gives the container and muxer settings for both ways of pushing', async () => {
    const p = admin.page;
    const hls = await p.locator('[data-admin-push-recipe="hls"]').innerText();
    assert.match(hls, /Container Format\s*hls/);
    assert.match(hls, /method=PUT http_persistent=1 ignore_io_errors=1 hls_time=1 hls_list_size=6/);
    const dash = await p.locator('[data-admin-push-recipe="dash"]').innerText();
    assert.match(dash, /Container Format\s*dash/);
    assert.match(dash, /streaming=1 ldash=1/);
    assert.match(dash, new RegExp(`${relay.url.replace(/[.:/]/g, '\\$&')}/ingest/live/•+/stream\\.mpd`));
  });

  it('says who is pushing', async () => {
    const p = admin.page;
    const line = p.locator('[data-admin-pusher]');
    assert.match((await line.textContent()) ?? '', /Nothing pushed/);
    assert.equal((await rawUpload(`${relay.ingestUrl()}/stream.m3u8`, { body: '#EXTM3U\n' })).status, 201);
    await p.waitForFunction(() => /Pushed from 127\.0\.0\.1/.test(document.querySelector('[data-admin-pusher]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.deepEqual(admin.errors, []);
  });
});
