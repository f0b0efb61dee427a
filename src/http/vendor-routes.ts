import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context, Next } from 'koa';

/** URL under /vendor/ -> file in an installed npm package. Nothing else is served from node_modules. */
const FILES: Record<string, { pkg: string; file: string; type: string }> = {
  // The full build: the light one has no alternate audio, and an LL-HLS source (ffmpeg's dash muxer) carries its audio as a separate rendition.
  'hls.min.mjs': { pkg: 'hls.js', file: 'dist/hls.min.mjs', type: 'text/javascript; charset=utf-8' },
  'hls.min.mjs.map': { pkg: 'hls.js', file: 'dist/hls.min.mjs.map', type: 'application/json' },
  // The light build, which the page used before: a streamer's own copy of web/ (--web) may still import it.
  'hls.light.min.mjs': { pkg: 'hls.js', file: 'dist/hls.light.min.mjs', type: 'text/javascript; charset=utf-8' },
  'hls.light.min.mjs.map': { pkg: 'hls.js', file: 'dist/hls.light.min.mjs.map', type: 'application/json' },
  'hls.worker.js': { pkg: 'hls.js', file: 'dist/hls.worker.js', type: 'text/javascript; charset=utf-8' },
  'hls.worker.js.map': { pkg: 'hls.js', file: 'dist/hls.worker.js.map', type: 'application/json' },
};

const gzip = promisify(gzipCallback);

interface Loaded {
  body: Buffer;
  /** Compressed once at first use: the player library is most of a page's weight on a home uplink. */
  gzip: Buffer;
  etag: string;
}

/**
 * GET/HEAD /vendor/<file>: the player library (hls.js) from node_modules, so
 * the page needs no CDN. Each file is read once and then held in memory.
 */
export function vendorRoutes() {
  const require = createRequire(import.meta.url);
  const loaded = new Map<string, Promise<Loaded | undefined>>();
  const load = (name: string): Promise<Loaded | undefined> => {
    let p = loaded.get(name);
    if (!p) {
      const entry = FILES[name];
      p = entry
        ? readFile(join(dirname(require.resolve(`${entry.pkg}/package.json`)), entry.file)).then(
            async (body) => ({ body, gzip: await gzip(body, { level: 9 }), etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` }),
            () => undefined,
          )
        : Promise.resolve(undefined);
      loaded.set(name, p);
    }
    return p;
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/vendor/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const name = ctx.path.slice('/vendor/'.length);
    const entry = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    const file = entry ? await load(name) : undefined;
    if (!entry || !file) return next();
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('Vary', 'Accept-Encoding');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = entry.type;
    const gzipped = ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    // One ETag per representation, so a cache never mixes them up.
    ctx.set('ETag', gzipped ? `${file.etag.slice(0, -1)}-gz"` : file.etag);
    ctx.status = 200; // ctx.fresh only answers for a 2xx status
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (gzipped) ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzipped ? file.gzip : file.body;
  };
}
