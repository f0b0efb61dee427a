import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context, Next } from 'koa';

/** URL under /vendor/ -> file in an installed npm package. Nothing else is served from node_modules. */
const FILES: Record<string, { pkg: string; file: string; type: string }> = {
  'hls.min.mjs': { pkg: 'hls.js', file: 'dist/hls.min.mjs', type: 'text/javascript; charset=utf-8' },
  'hls.min.mjs.map': { pkg: 'hls.js', file: 'dist/hls.min.mjs.map', type: 'application/json' },
  'hls.worker.js': { pkg: 'hls.js', file: 'dist/hls.worker.js', type: 'text/javascript; charset=utf-8' },
  'hls.worker.js.map': { pkg: 'hls.js', file: 'dist/hls.worker.js.map', type: 'application/json' },
};

interface Loaded {
  body: Buffer;
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
            (body) => ({ body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` }),
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
    ctx.set('ETag', file.etag);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = entry.type;
    ctx.status = 200; // ctx.fresh only answers for a 2xx status
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  };
}
