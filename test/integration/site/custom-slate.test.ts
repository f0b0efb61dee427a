// The offline slate made from the streamer's own offline image (issue 12):
// uploaded through the admin API (or given with --offline-image), turned into
// slate segments once by ffmpeg, shown while OBS is away; without ffmpeg the
// built-in slate stays and the admin API says why. Real ffmpeg, real relay.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { SlateManifest } from '../../../src/media/slate-recipe.js';
import { SlateLibrary } from '../../../src/site/slate-library.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { middlePixel, near, solidPng, type Rgb } from '../../helpers/decode-frame.js';
import { requireFfmpeg } from '../../helpers/ffmpeg.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { SlateCycle } from '../../helpers/slate-cycle.js';
import { waitFor } from '../../helpers/wait.js';

requireFfmpeg();

const TOKEN = 'custom-slate-admin-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };
const RED: Rgb = [208, 32, 32];
const GREEN: Rgb = [32, 176, 64];
const BUILTIN = join(process.cwd(), 'fixtures', 'slate');

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface AdminImage {
  origin: string;
  slate: { enabled: boolean; showing: string | null; making: boolean; problem: string | null };
}

async function adminImage(relay: Relay): Promise<AdminImage> {
  const res = await relay.get('/api/admin/offline-image', { headers: auth });
  assert.equal(res.status, 200);
  return (await res.json()) as AdminImage;
}

const slateShowing = (relay: Relay, showing: string) => async () => {
  const s = await adminImage(relay);
  return s.slate.showing === showing && !s.slate.making ? s : undefined;
};

/** The first slate segment of the cycle's newest offline run, decoded: its middle pixel. */
async function slatePixel(cycle: SlateCycle): Promise<Rgb> {
  const seg = cycle.watcher.latest?.segments.find((s) => s.msn === (cycle.moments.lastRealMsn ?? -2) + 1);
  assert.ok(seg, 'the first slate segment is listed');
  const res = await cycle.relay.get(`/hls/live/${seg.uri}`);
  assert.equal(res.status, 200);
  return middlePixel(Buffer.from(await res.arrayBuffer()));
}

describe('an uploaded offline image becomes the slate', () => {
  test('PUT a PNG: the slate is made from it once; OBS stops: the slate segments show the image; DELETE: the next offline run shows the built-in slate again', async () => {
    const cycle = await SlateCycle.start({}, ['--admin-token', TOKEN]);
    cleanups.push(() => cycle.stop());
    assert.equal((await adminImage(cycle.relay)).slate.showing, 'built-in');
    const put = await cycle.relay.get('/api/admin/offline-image', { method: 'PUT', headers: auth, body: await solidPng('d02020') });
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as AdminImage).slate.enabled, true);
    const made = await waitFor('the slate made from the uploaded image', slateShowing(cycle.relay, 'offline image'), 60_000);
    assert.equal(made.slate.problem, null);

    await cycle.goLive();
    await cycle.stopObs();
    assert.equal((await cycle.relay.status()).streams['live']?.slate, 'offline image');
    const custom = await slatePixel(cycle);
    assert.ok(near(custom, RED), `the slate shows the uploaded image: middle pixel ${custom.join(',')}`);
    const builtin = middlePixel(readFileSync(join(BUILTIN, 'ts-360p-48000.ts')));
    assert.ok(!near(builtin, RED), `the built-in slate looks different (${builtin.join(',')})`);

    // Back to the built-in image: the next time OBS is away, the built-in slate.
    const del = await cycle.relay.get('/api/admin/offline-image', { method: 'DELETE', headers: auth });
    assert.equal(del.status, 200);
    await del.arrayBuffer();
    await waitFor('the built-in slate again', slateShowing(cycle.relay, 'built-in'), 10_000);
    await cycle.restartObs();
    await waitFor('live again', async () => ((await cycle.relay.status()).online ? true : undefined), 20_000);
    await cycle.stopObs();
    assert.equal((await cycle.relay.status()).streams['live']?.slate, 'built-in');
    assert.ok(near(await slatePixel(cycle), builtin, 8), 'the slate shows the built-in image again');
    await cycle.watcher.stop();
    assert.deepEqual(cycle.watcher.sequenceProblems(), []);
    assert.deepEqual(cycle.watcher.serverErrors(), []);
  });

  test('a board without ffmpeg: the built-in slate stays and the admin API says why', async () => {
    const relay = await startRelay(['--source', 'demo', '--admin-token', TOKEN]);
    cleanups.push(() => relay.stop());
    const png = await solidPng('d02020');
    const path = process.env['PATH'];
    process.env['PATH'] = tempDir('sharecast-empty-path-'); // the relay's spawn finds no ffmpeg there
    try {
      const put = await relay.get('/api/admin/offline-image', { method: 'PUT', headers: auth, body: png });
      assert.equal(put.status, 200);
      await put.arrayBuffer();
      const s = await waitFor('the attempt to make the slate over', async () => {
        const a = await adminImage(relay);
        return a.slate.making || a.slate.problem === null ? undefined : a;
      }, 10_000);
      assert.equal(s.origin, 'uploaded', 'the image itself is taken (the page shows it)');
      assert.equal(s.slate.showing, 'built-in');
      assert.match(s.slate.problem ?? '', /ffmpeg is not installed/);
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe('--offline-image', () => {
  test('the configured image becomes the slate; started again with it, the slate is not made again; started without it, the built-in slate is back', async () => {
    const data = tempDir('sharecast-slate-data-');
    const image = join(tempDir('sharecast-slate-image-'), 'offline.png');
    writeFileSync(image, await solidPng('20b040'));
    const args = ['--source', 'demo', '--admin-token', TOKEN];
    const first = await startRelay([...args, '--offline-image', image], { dataDir: data });
    await waitFor('the slate made from --offline-image', slateShowing(first, 'offline image'), 60_000);
    await first.stop();

    const again = await startRelay([...args, '--offline-image', image], { dataDir: data });
    const s = await adminImage(again);
    await again.stop();
    assert.deepEqual([s.slate.showing, s.slate.making], ['offline image', false], 'made once: the slate from before is used at once');

    const without = await startRelay(args, { dataDir: data });
    cleanups.push(() => without.stop());
    const back = await waitFor('the built-in slate', slateShowing(without, 'built-in'), 10_000).catch(async () => adminImage(without));
    assert.equal(back.origin, 'builtin');
    assert.equal(back.slate.showing, 'built-in', 'no --offline-image and no upload: the built-in slate, not the one made from the old image');
  });
});

describe('SlateLibrary on its own', () => {
  const library = (ffmpeg?: string) =>
    new SlateLibrary({ builtinDir: BUILTIN, customDir: join(tempDir('sharecast-slate-lib-'), 'offline-slate'), enabled: true, logger: nullLogger, ...(ffmpeg ? { ffmpeg } : {}) });

  test('ffmpeg missing: the built-in slate stays, and the problem says so', async () => {
    const lib = library(join(tmpdir(), 'no-such-dir', 'ffmpeg'));
    await lib.init();
    await lib.useImage(await solidPng('d02020'));
    assert.deepEqual(lib.status(), { enabled: true, showing: 'built-in', making: false, problem: 'ffmpeg is not installed (apt-get install ffmpeg)' });
    assert.equal(lib.current()?.source, 'built-in');
  });

  test('an image ffmpeg cannot read: the built-in slate stays; a good image afterwards: its slate, in every variant (the fMP4 ones too)', async () => {
    const lib = library();
    await lib.init();
    await lib.useImage(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]));
    assert.equal(lib.status().showing, 'built-in');
    assert.match(lib.status().problem ?? '', /^ffmpeg failed/);

    await lib.useImage(await solidPng('20b040'));
    assert.deepEqual(lib.status(), { enabled: true, showing: 'offline image', making: false, problem: null });
    const slate = lib.current();
    assert.ok(slate);
    const builtin = JSON.parse(readFileSync(join(BUILTIN, 'slate.json'), 'utf8')) as SlateManifest;
    assert.equal(slate.clips.length, builtin.variants.length, 'as many variants as the built-in slate');
    for (const clip of slate.clips.filter((c) => c.variant.video !== null)) {
      const bytes = clip.init ? Buffer.concat([clip.init, clip.segment(3)]) : clip.segment(3);
      const px = middlePixel(bytes);
      assert.ok(near(px, GREEN), `${clip.variant.segment} shows the image: ${px.join(',')}`);
    }
  });
});
