// The OBS settings the admin page shows (and the README's "OBS anywhere" lists), given to a
// real ffmpeg as OBS would pass them (Container Format as -f, each Muxer Setting as an
// option): each recipe makes a stream the relay serves; the low-delay one with LL-HLS parts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encoderArgs, requireFfmpeg, startFfmpeg, type Obs } from '../../helpers/ffmpeg.js';
import { startPushRelay, type PushRelay } from '../../helpers/push-relay.js';
import { waitFor } from '../../helpers/wait.js';

interface Recipe {
  path: 'hls' | 'dash';
  container: string;
  muxer: string;
}

// The page's own module (plain JavaScript for the browser): the recipes exactly as the admin page shows them.
const ADMIN_PUSH_MODULE = '../../../web/js/admin-push.js';
const { PUSH_RECIPES } = (await import(ADMIN_PUSH_MODULE)) as { PUSH_RECIPES: Recipe[] };

/** "a=1 b=2" as OBS hands it to ffmpeg: -a 1 -b 2. */
const asArgs = (muxer: string) => muxer.split(' ').flatMap((kv) => [`-${kv.slice(0, kv.indexOf('='))}`, kv.slice(kv.indexOf('=') + 1)]);

describe('the OBS settings sharecast recommends, on a real ffmpeg', { timeout: 90_000 }, () => {
  let relay: PushRelay;
  const running: Obs[] = [];
  const recipes = PUSH_RECIPES;

  before(async () => {
    requireFfmpeg();
    relay = await startPushRelay(['--source', 'hls=push', '--source', 'dash=push']);
  });

  after(async () => {
    for (const o of running) await o.kill();
    await relay?.stop();
  });

  it('are the ones the README gives', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const r of recipes) {
      assert.ok(readme.includes(r.muxer), `README lists ${r.muxer}`);
      assert.ok(readme.includes(`**Container Format:** \`${r.container}\``), `README names the container ${r.container}`);
    }
  });

  for (const r of PUSH_RECIPES) {
    it(`${r.container}: ${r.muxer}`, async () => {
      const base = relay.ingestUrl(r.path);
      const file = r.path === 'hls' ? 'stream.m3u8' : 'stream.mpd';
      // What OBS runs: its encoders (x264, aac, 1 s keyframes), then -f CONTAINER, the muxer settings, the URL.
      const o = startFfmpeg([...encoderArgs({}), '-f', r.container, ...asArgs(r.muxer), `${base}/${file}`]);
      running.push(o);
      const playlist = r.path === 'hls' ? '/hls/hls/index.m3u8' : '/hls/dash/media-0.m3u8';
      await waitFor(`segments from the ${r.container} recipe`, async () => {
        const t = await relay.text(playlist);
        return t.status === 200 && (t.text.match(/#EXTINF:/g)?.length ?? 0) >= 3 && (r.path === 'hls' || t.text.includes('#EXT-X-PART:'));
      }, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${o.stderr()}`);
      });
    });
  }
});
