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

/**
 * Installed before a page's scripts run (page.addInitScript): records every
 * SourceBuffer the page creates (with its MIME type) and the hls.js instance
 * the page's player announces (the 'player-hls' event), so a test can read
 * the buffered ranges per type and the player's settings. A plain string: a
 * function would be rewritten by the TypeScript loader with helpers the page
 * does not have.
 */
export const MEDIA_PROBE_SCRIPT = `(() => {
  const probe = { sourceBuffers: [], hls: null, stalls: 0 };
  window.__mediaProbe = probe;
  const add = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (type) {
    const sb = add.call(this, type);
    probe.sourceBuffers.push({ type, sb });
    return sb;
  };
  document.addEventListener('player-hls', (e) => {
    probe.hls = e.detail.hls;
    probe.hls.on('hlsError', (_name, data) => { if (data.details === 'bufferStalledError') probe.stalls += 1; });
  }, true);
})()`;

export interface MediaState {
  /** The <video>'s position, -1 when hidden. */
  currentTime: number;
  /** End of the last buffered range of each live SourceBuffer, by MIME type ('video/mp4;codecs=…'). */
  buffered: Array<{ type: string; end: number }>;
  /** What the page's player says and what hls.js uses, null without hls.js. */
  player: {
    lowLatency: string | undefined;
    lowLatencyMode: boolean;
    targetLatency: number | null;
    latency: number;
    partHoldBack: number;
    targetDuration: number;
    hasParts: boolean;
    /** Keys of the config the page gave to hls.js. */
    userConfigKeys: string[];
    stalls: number;
  } | null;
}

/** Reads what MEDIA_PROBE_SCRIPT recorded. */
export function mediaState(page: Page): Promise<MediaState> {
  return page.evaluate(`(() => {
    const probe = window.__mediaProbe;
    const video = document.querySelector('video');
    const live = probe.sourceBuffers.filter((s) => { try { return s.sb.buffered !== undefined; } catch { return false; } });
    const buffered = live.map((s) => ({ type: s.type, end: s.sb.buffered.length ? s.sb.buffered.end(s.sb.buffered.length - 1) : 0 }));
    const hls = probe.hls;
    const d = hls && hls.latestLevelDetails;
    const root = document.querySelector('[data-player]');
    return {
      currentTime: video && !video.hidden ? video.currentTime : -1,
      buffered,
      player: hls ? {
        lowLatency: root ? root.dataset.lowLatency : undefined,
        lowLatencyMode: hls.config.lowLatencyMode,
        targetLatency: hls.targetLatency,
        latency: hls.latency,
        partHoldBack: d ? d.partHoldBack : 0,
        targetDuration: d ? d.targetduration : 0,
        hasParts: Boolean(d && d.partList && d.partList.length),
        userConfigKeys: Object.keys(hls.userConfig),
        stalls: probe.stalls,
      } : null,
    };
  })()`);
}
