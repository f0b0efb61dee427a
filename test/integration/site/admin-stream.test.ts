// The admin page's Streams card in a real headless Chromium, with a real ffmpeg as OBS:
// the stream shows live; OBS stops: offline, with the offline slate players get; End
// stream asks first (saying it stops every player for good), and once confirmed the
// stream ends (status ended, EXT-X-ENDLIST). The offline-image card says which slate
// players get, and why it is the built-in one when ffmpeg is missing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot, type WatchedPage } from '../../helpers/browser.js';
import { solidPng } from '../../helpers/decode-frame.js';
import { requireFfmpeg } from '../../helpers/ffmpeg.js';
import { startRelay } from '../../helpers/relay.js';
import { SlateCycle } from '../../helpers/slate-cycle.js';
import { waitFor } from '../../helpers/wait.js';

requireFfmpeg();

const TOKEN = 'admin-stream-test-token-0123456789';

async function signIn(page: Page): Promise<void> {
  await page.fill('#admin-token', TOKEN);
  await page.press('#admin-token', 'Enter');
  await page.waitForSelector('[data-admin-panel]', { state: 'visible', timeout: 15_000 });
}

/** The data-state of a stream's row on the page (live, slate, offline, ended), once it is `want`. */
async function rowState(page: Page, stream: string, want: string, timeout = 20_000): Promise<void> {
  await page.locator(`[data-admin-stream="${stream}"] [data-admin-stream-state][data-state="${want}"]`).waitFor({ timeout });
}

describe('the admin page: each stream\'s state and End stream', { timeout: 180_000 }, () => {
  let cycle: SlateCycle;
  let browser: Browser;
  let admin: WatchedPage;

  before(async () => {
    cycle = await SlateCycle.start({}, ['--admin-token', TOKEN]);
    browser = await launchChromium();
    admin = await openPage(await browser.newContext(), `${cycle.relay.url}/admin`);
    await signIn(admin.page);
  });

  after(async () => {
    if (admin) await screenshot(admin.page, 'admin-stream').catch(() => undefined);
    await browser?.close();
    await cycle?.stop();
  });

  test('OBS sends: the stream shows live, with a named state and End stream button', async () => {
    const p = admin.page;
    await cycle.goLive();
    await rowState(p, 'live', 'live');
    const row = p.locator('[data-admin-stream="live"]');
    await row.getByRole('status', { name: /^Stream live: Live\./ }).waitFor({ timeout: 5_000 });
    const end = row.getByRole('button', { name: 'End stream live' });
    assert.equal(await end.isEnabled(), true);
    assert.equal(await end.textContent(), 'End stream');
    assert.equal(await p.textContent('[data-admin-badge]'), 'Live');
  });

  test('OBS stops: offline, showing the built-in slate, in the Streams card and the offline-image card', async () => {
    const p = admin.page;
    await cycle.stopObs();
    assert.equal((await cycle.relay.status()).streams['live']?.slate, 'built-in');
    await rowState(p, 'live', 'slate');
    const state = p.locator('[data-admin-stream="live"]').getByRole('status', { name: /^Stream live: Offline\. .*the built-in offline slate/ });
    await state.waitFor({ timeout: 5_000 });
    assert.match((await state.textContent()) ?? '', /Players get the built-in offline slate/);
    assert.equal(await p.getAttribute('[data-admin-slate-info]', 'data-slate'), 'built-in');
    assert.match((await p.textContent('[data-admin-slate-info]')) ?? '', /get the built-in offline slate/);
    assert.equal(await p.isHidden('[data-admin-slate-problem]'), true, 'no slate problem');
    assert.equal(await p.textContent('[data-admin-badge]'), 'Offline');
  });

  test('End stream asks first, saying it stops every player for good; Cancel leaves the stream going', async () => {
    const p = admin.page;
    await p.locator('[data-admin-stream="live"]').getByRole('button', { name: 'End stream live' }).click();
    const dialog = p.getByRole('dialog', { name: 'End the stream "live" for good?' });
    await dialog.waitFor({ timeout: 5_000 });
    assert.match((await dialog.textContent()) ?? '', /stops every player for good/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.match((await p.textContent('[data-admin-stream-result]')) ?? '', /not ended/);
    const status = (await cycle.relay.status()).streams['live'];
    assert.equal(status?.ended, false);
    assert.equal((await cycle.relay.playlist())?.endList, false, 'the playlist goes on with the slate');
  });

  test('confirmed: the stream ends (status ended, EXT-X-ENDLIST) and the page says so', async () => {
    const p = admin.page;
    await p.locator('[data-admin-stream="live"]').getByRole('button', { name: 'End stream live' }).click();
    const dialog = p.getByRole('dialog', { name: 'End the stream "live" for good?' });
    await dialog.getByRole('button', { name: 'End stream live for good' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    await waitFor('the result line', async () => /^Stream "live" ended/.test((await p.textContent('[data-admin-stream-result]')) ?? ''), 10_000);
    assert.equal(await p.getAttribute('[data-admin-stream-result]', 'data-kind'), 'ok');
    const status = (await cycle.relay.status()).streams['live'];
    assert.equal(status?.ended, true);
    assert.equal(status?.online, false);
    const playlist = await cycle.relay.playlist();
    assert.equal(playlist?.endList, true);
    assert.match(playlist?.text ?? '', /#EXT-X-ENDLIST\s*$/);
    await rowState(p, 'live', 'ended', 5_000);
    await p.locator('[data-admin-stream="live"]').getByRole('status', { name: /^Stream live: Ended\./ }).waitFor({ timeout: 5_000 });
    assert.equal(await p.locator('[data-admin-stream="live"]').getByRole('button', { name: 'End stream live' }).isDisabled(), true, 'nothing left to end');
    await waitFor('the top badge', async () => (await p.textContent('[data-admin-badge]')) === 'Ended', 10_000);
    // Still ended on the next refreshes (the page polls every 3 s).
    await new Promise((r) => setTimeout(r, 3500));
    await rowState(p, 'live', 'ended', 1_000);
    assert.deepEqual(admin.errors, []);
  });
});

describe('the admin page: ending fails, or the slate cannot be made', { timeout: 90_000 }, () => {
  let browser: Browser;
  const cleanups: Array<() => Promise<void> | void> = [];
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const c of cleanups.reverse()) await c();
  });

  test('no ffmpeg on the board: the offline-image card says the built-in slate stays, and why', async () => {
    const relay = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
    cleanups.push(() => relay.stop());
    const png = await solidPng('d02020');
    const admin = await openPage(await browser.newContext(), `${relay.url}/admin`);
    await signIn(admin.page);
    const p = admin.page;
    await waitFor('the slate line', async () => (await p.getAttribute('[data-admin-slate-info]', 'data-slate')) === 'built-in', 10_000);
    const empty = mkdtempSync(join(tmpdir(), 'sharecast-empty-path-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const path = process.env['PATH'];
    process.env['PATH'] = empty; // the relay (in this process) finds no ffmpeg
    try {
      await p.setInputFiles('#admin-image-file', { name: 'red.png', mimeType: 'image/png', buffer: png });
      await p.click('[data-admin-image-form] button[type="submit"]');
      const problem = p.getByRole('alert').filter({ hasText: 'Offline slate problem' });
      await problem.waitFor({ timeout: 15_000 });
      assert.match((await problem.textContent()) ?? '', /^Offline slate problem: ffmpeg is not installed \(apt-get install ffmpeg\)\. Players get the built-in slate instead\.$/);
    } finally {
      process.env['PATH'] = path;
    }
    // The page polls: the line says "making" until a refresh after the attempt is over.
    await waitFor('the slate line to say the built-in slate', async () => /get the built-in offline slate/.test((await p.textContent('[data-admin-slate-info]')) ?? ''), 10_000);
    assert.equal(await p.isVisible('[data-admin-slate-problem]'), true, 'the problem stays shown');
    await screenshot(p, 'admin-slate-problem').catch(() => undefined);
    assert.deepEqual(admin.errors, []);
  });

  test('the end API answers an error: the page shows it, and the stream goes on', async () => {
    const relay = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
    cleanups.push(() => relay.stop());
    const admin = await openPage(await browser.newContext(), `${relay.url}/admin`);
    await signIn(admin.page);
    const p = admin.page;
    await rowState(p, 'live', 'live');
    // An error answer from the API for the end call only.
    await p.route('**/api/admin/streams/live/end', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'no stream "live"' } }) }));
    await p.locator('[data-admin-stream="live"]').getByRole('button', { name: 'End stream live' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'End stream live for good' }).click();
    await waitFor('the error line', async () => (await p.textContent('[data-admin-stream-result]')) === 'Could not end stream "live": no stream "live"', 10_000);
    assert.equal(await p.getAttribute('[data-admin-stream-result]', 'data-kind'), 'error');
    assert.equal((await relay.status()).streams['live']?.ended, false);
  });
});
