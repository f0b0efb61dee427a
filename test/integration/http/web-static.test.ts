// The web/ folder over HTTP: pages, the embeds without a trailing slash, the
// player library from node_modules, and a streamer's --web copy falling back
// to the built-in files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { rawGet } from '../../helpers/raw-get.js';
import { startRelay, type Relay } from '../../helpers/relay.js';

const PAGES = ['/', '/embed/video', '/embed/video/', '/embed/chat', '/embed/chat/', '/admin', '/admin/'];

/** Every local URL a page or module refers to: <script src>, <link href>, <img src>, and ES module imports. */
function referencedUrls(text: string): string[] {
  const urls = new Set<string>();
  for (const m of text.matchAll(/(?:src|href)="(\/[^"]*)"/g)) urls.add(m[1]!);
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\/[^']+|\.\/[^']+)'/g)) urls.add(m[1]!.replace(/^\.\//, '/js/'));
  return [...urls].filter((u) => !u.startsWith('/hls/'));
}

describe('web pages', () => {
  let relay: Relay;
  before(async () => {
    relay = await startRelay(['--source', 'demo', '--admin-token', 'x'.repeat(24)]);
  });
  after(async () => relay?.stop());

  test('every page is served, also without the trailing slash, and everything it refers to exists', async () => {
    const checked = new Set<string>();
    const queue: string[] = [];
    for (const page of PAGES) {
      const res = await relay.get(page);
      assert.equal(res.status, 200, page);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, page);
      queue.push(...referencedUrls(await res.text()));
    }
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (checked.has(url)) continue;
      checked.add(url);
      const res = await relay.get(url);
      assert.equal(res.status, 200, `${url} is referenced but answers ${res.status}`);
      const type = res.headers.get('content-type') ?? '';
      if (url.endsWith('.js') || url.endsWith('.mjs')) {
        assert.match(type, /javascript/, `${url}: ${type}`);
        queue.push(...referencedUrls(await res.text()));
      } else {
        await res.arrayBuffer();
      }
    }
    for (const must of ['/vendor/hls.min.mjs', '/js/player.js', '/js/chat-client.js', '/css/site.css', '/offline-image']) {
      assert.ok(checked.has(must), `${must} is not referenced by any page`);
    }
  });

  test('hls.js comes from node_modules, byte for byte (gzipped when asked); nothing else there is reachable', async () => {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('hls.js/package.json')), 'dist');
    const original = readFileSync(join(dist, 'hls.min.mjs'));
    const plain = await rawGet(relay.port, '/vendor/hls.min.mjs', { 'Accept-Encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers['content-type']), /^text\/javascript/);
    assert.deepEqual(plain.body, original);
    const zipped = await rawGet(relay.port, '/vendor/hls.min.mjs', { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.body.byteLength < original.byteLength / 2);
    assert.deepEqual(gunzipSync(zipped.body), original);
    assert.notEqual(zipped.headers['etag'], plain.headers['etag']);
    const again = await rawGet(relay.port, '/vendor/hls.min.mjs', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(zipped.headers['etag']) });
    assert.equal(again.status, 304);
    const worker = await relay.get('/vendor/hls.worker.js');
    assert.deepEqual(Buffer.from(await worker.arrayBuffer()), readFileSync(join(dist, 'hls.worker.js')));
    // The light build the page used before stays, for a streamer's own copy of web/ (--web).
    const light = await relay.get('/vendor/hls.light.min.mjs');
    assert.deepEqual(Buffer.from(await light.arrayBuffer()), readFileSync(join(dist, 'hls.light.min.mjs')));
    for (const path of ['/vendor/hls.js', '/vendor/hls.light.mjs', '/vendor/../package.json', '/vendor/%2e%2e/package.json', '/vendor/', '/vendor/constructor', '/vendor/__proto__', '/node_modules/hls.js/package.json']) {
      const r = await relay.get(path);
      assert.equal(r.status, 404, path);
      await r.arrayBuffer();
    }
  });

  test('user text never goes into the page as HTML', () => {
    const dir = join(process.cwd(), 'web', 'js');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, `${file} builds HTML from strings`);
    }
  });
});

describe('--web: the streamer’s own copy', () => {
  let relay: Relay;
  let own: string;
  before(async () => {
    own = mkdtempSync(join(tmpdir(), 'sharecast-web-'));
    writeFileSync(join(own, 'index.html'), '<!doctype html><title>mine</title><p>my own page</p>');
    mkdirSync(join(own, 'css'));
    writeFileSync(join(own, 'css', 'site.css'), 'body { background: hotpink; }');
    relay = await startRelay(['--source', 'demo', '--web', own, '--admin-token', 'x'.repeat(24)]);
  });
  after(async () => {
    await relay?.stop();
    rmSync(own, { recursive: true, force: true });
  });

  test('its files win; files missing there come from the built-in web/', async () => {
    assert.match(await (await relay.get('/')).text(), /my own page/);
    assert.match(await (await relay.get('/css/site.css')).text(), /hotpink/);
    const player = await relay.get('/js/player.js');
    assert.equal(player.status, 200);
    assert.equal(await player.text(), readFileSync(join(process.cwd(), 'web', 'js', 'player.js'), 'utf8'));
    const embed = await relay.get('/embed/video');
    assert.equal(embed.status, 200);
    assert.match(await embed.text(), /embed-video\.js/);
  });
});
