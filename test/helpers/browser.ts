import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; `npx playwright install` cannot work here. scripts/test-setup.mjs installs it. */
export const CHROMIUM_PATH = process.env['SHARECAST_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

/** Fails loudly when Chromium is missing instead of skipping: npm test installs it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`npm test\` (it installs it) or \`apt-get install chromium\``);
  }
}

/**
 * Headless Chromium as root on a shared machine: no sandbox, no GPU, no
 * traffic to anywhere but loopback, and autoplay allowed so a test need not
 * click play. playwright gives every launch a fresh temporary profile.
 */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed loads the page produced, as text. */
  errors: string[];
}

/** Opens a page and records everything that would show as an error in the console. */
export async function openPage(context: BrowserContext, url: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The <video>'s playback position (seconds), or -1 when there is none or it is hidden. */
export function videoTime(page: Page, selector = 'video'): Promise<number> {
  return page.evaluate((sel) => {
    const v = document.querySelector(sel) as HTMLVideoElement | null;
    if (!v || v.hidden) return -1;
    return v.currentTime;
  }, selector);
}
