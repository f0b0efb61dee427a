import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A third party's site embedding sharecast's raw .m3u8 in a stock web
 * player, as a new user would: hls.js alone, Shaka Player, video.js 8 (its
 * built-in VHS), each from its own npm package's dist build, each on a tiny
 * page of its own served from another origin than sharecast (the playlist is
 * fetched cross-origin, as an embed on another site does). Nothing of
 * sharecast's page is involved.
 *
 * Every page calls `watchVideo(video)` (below), which keeps `window.__state`
 * (fatal errors, ended, the engine in use) and gives `window.__sample()`: the
 * playback position, and what the current frame shows, read back from a
 * canvas ('stream': ffmpeg's bright testsrc2 bars; 'slate': the dark offline
 * slate).
 */

export const BROWSER_PLAYERS = ['hls.js', 'shaka', 'video.js'] as const;
export type BrowserPlayer = (typeof BROWSER_PLAYERS)[number];

/** What a page reports of its player at one moment. */
export interface PlayerSample {
  currentTime: number;
  paused: boolean;
  ended: boolean;
  readyState: number;
  videoWidth: number;
  videoHeight: number;
  /** What the frame on screen shows; 'none' before the first frame. */
  frame: 'stream' | 'slate' | 'unclear' | 'none';
  /** Mean of max(R, G, B) over a 32x18 copy of the frame (0-255). */
  brightness: number;
  /** Errors the player or the <video> reported as fatal. */
  fatal: string[];
  /** Recoverable errors the player reported (for the report; not a failure). */
  warnings: string[];
  engine: string;
  /** performance.timeOrigin: another value means the page was loaded again. */
  timeOrigin: number;
  /** Every seek the player made (from the position last played, to), with when (ms). */
  seeks: Array<{ from: number; to: number; at: number }>;
}

/** URL path under /lib/ -> [package, file in it]. Nothing else of node_modules is served. */
const LIBS: Record<string, [string, string, string]> = {
  'hls.min.js': ['hls.js', 'dist/hls.min.js', 'text/javascript'],
  'shaka-player.compiled.js': ['shaka-player', 'dist/shaka-player.compiled.js', 'text/javascript'],
  'video.min.js': ['video.js', 'dist/video.min.js', 'text/javascript'],
  'video-js.min.css': ['video.js', 'dist/video-js.min.css', 'text/css'],
};

/** Runs in the page: watches one <video> (see the comment at the top). */
const WATCH = `
window.__state = { fatal: [], warnings: [], ended: false, engine: '', seeks: [] };
function watchVideo(v) {
  const s = window.__state;
  let shown = 0;
  v.addEventListener('timeupdate', () => { if (!v.seeking) shown = v.currentTime; });
  v.addEventListener('seeking', () => s.seeks.push({ from: shown, to: v.currentTime, at: Date.now() }));
  v.addEventListener('ended', () => { s.ended = true; });
  v.addEventListener('error', () => s.fatal.push('<video> error ' + (v.error ? v.error.code + ' ' + v.error.message : '')));
  const canvas = document.createElement('canvas');
  canvas.width = 32; canvas.height = 18;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  window.__sample = () => {
    let frame = 'none', brightness = 0;
    if (v.readyState >= 2 && v.videoWidth > 0) {
      g.drawImage(v, 0, 0, 32, 18);
      const d = g.getImageData(0, 0, 32, 18).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += Math.max(d[i], d[i + 1], d[i + 2]);
      brightness = sum / (d.length / 4);
      frame = brightness > 110 ? 'stream' : brightness < 70 ? 'slate' : 'unclear';
    }
    return { currentTime: v.currentTime, paused: v.paused, ended: v.ended || s.ended, readyState: v.readyState,
      videoWidth: v.videoWidth, videoHeight: v.videoHeight, frame, brightness,
      fatal: s.fatal.slice(), warnings: s.warnings.slice(-20), engine: s.engine, timeOrigin: performance.timeOrigin, seeks: s.seeks.slice() };
  };
}
const src = new URLSearchParams(location.search).get('src');
`;

/** Each player set up the way its own documentation shows, with its defaults. */
const PAGES: Record<BrowserPlayer, { head: string; body: string; script: string }> = {
  'hls.js': {
    head: '',
    body: '<video muted autoplay playsinline width="640" height="360"></video><script src="/lib/hls.min.js"></script>',
    script: `
const v = document.querySelector('video');
watchVideo(v);
if (!Hls.isSupported()) window.__state.fatal.push('Hls.isSupported() is false');
const hls = new Hls();
window.__state.engine = 'hls.js ' + Hls.version;
hls.on(Hls.Events.ERROR, (_e, d) => (d.fatal ? window.__state.fatal : window.__state.warnings).push(d.type + ': ' + d.details));
hls.loadSource(src);
hls.attachMedia(v);
v.play().catch(() => {});`,
  },
  shaka: {
    head: '',
    body: '<video muted autoplay playsinline width="640" height="360"></video><script src="/lib/shaka-player.compiled.js"></script>',
    script: `
const v = document.querySelector('video');
watchVideo(v);
shaka.polyfill.installAll();
if (!shaka.Player.isBrowserSupported()) window.__state.fatal.push('shaka.Player.isBrowserSupported() is false');
const player = new shaka.Player();
window.__state.engine = 'Shaka Player ' + shaka.Player.version;
player.addEventListener('error', (e) => {
  const err = e.detail;
  (err.severity === 2 ? window.__state.fatal : window.__state.warnings).push('shaka error ' + err.code + ' (category ' + err.category + ')');
});
player.attach(v)
  .then(() => player.load(src))
  .then(() => v.play().catch(() => {}))
  .catch((err) => window.__state.fatal.push('shaka load: ' + (err && err.code ? 'error ' + err.code : String(err))));`,
  },
  'video.js': {
    head: '<link rel="stylesheet" href="/lib/video-js.min.css">',
    body: '<video-js id="player" class="video-js" muted autoplay playsinline width="640" height="360"></video-js><script src="/lib/video.min.js"></script>',
    script: `
const player = videojs('player', { autoplay: 'muted', muted: true });
player.on('error', () => { const e = player.error(); window.__state.fatal.push('video.js error ' + (e ? e.code + ' ' + e.message : '')); });
player.on('ended', () => { window.__state.ended = true; });
player.src({ src, type: 'application/x-mpegURL' });
player.ready(() => {
  const tech = player.tech({ IWillNotUseThisInPlugins: true });
  watchVideo(tech.el());
  window.__state.engine = 'video.js ' + videojs.VERSION + (tech.vhs ? ' (VHS ' + videojs.VhsHandler.version()['@videojs/http-streaming'] + ')' : ' (native HLS)');
});`,
  },
};

function page(player: BrowserPlayer): string {
  const p = PAGES[player];
  return `<!doctype html><html><head><meta charset="utf-8"><title>${player}</title>${p.head}</head><body>${p.body}<script>${WATCH}${p.script}</script></body></html>`;
}

export interface PlayerSite {
  /** The page embedding `src` (the relay's .m3u8) in `player`. */
  url(player: BrowserPlayer, src: string): string;
  close(): Promise<void>;
}

/** The site on 127.0.0.1 and a free port. */
export async function startPlayerSite(): Promise<PlayerSite> {
  const require = createRequire(import.meta.url);
  const libs = new Map<string, { body: Buffer; type: string }>();
  for (const [name, [pkg, file, type]] of Object.entries(LIBS)) {
    libs.set(name, { body: readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file)), type });
  }
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const lib = path.startsWith('/lib/') ? libs.get(path.slice(5)) : undefined;
    const player = BROWSER_PLAYERS.find((p) => path === `/${p}.html`);
    if (lib) {
      res.writeHead(200, { 'Content-Type': `${lib.type}; charset=utf-8`, 'Content-Length': lib.body.byteLength });
      res.end(lib.body);
    } else if (player) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(page(player));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (player, src) => `http://127.0.0.1:${port}/${player}.html?src=${encodeURIComponent(src)}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
