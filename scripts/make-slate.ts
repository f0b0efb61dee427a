// Makes the built-in offline slate (fixtures/slate/): the offline image with a
// caption, as short clips in every container and layout a live stream can
// have (MPEG-TS and fMP4; muxed, video only, audio only; 360p, 720p, 1080p;
// 48 and 44.1 kHz). Run by `npm run fixtures`; the result is committed.
//   node --import tsx scripts/make-slate.ts [IMAGE] [OUT_DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { slateRecipe, slateScratch } from '../src/media/slate-recipe.js';

const root = join(import.meta.dirname, '..');
const image = process.argv[2] ?? join(root, 'web', 'img', 'offline.svg');
const out = process.argv[3] ?? join(root, 'fixtures', 'slate');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const font = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const { steps, manifest } = slateRecipe(image, out, { caption: 'The stream is offline', fontAvailable: existsSync(font) });
for (const step of steps) {
  const r = spawnSync('ffmpeg', step.args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`make-slate: ffmpeg failed on ${step.produces.join(', ')} (is it installed? apt-get install ffmpeg)`);
    process.exit(1);
  }
}
const scratch = slateScratch(manifest);
for (const name of readdirSync(out)) if (scratch(name)) rmSync(join(out, name));
writeFileSync(join(out, 'slate.json'), `${JSON.stringify({ ...manifest, source: 'built-in' }, null, 2)}\n`);
console.log(`fixtures/slate: ${readdirSync(out).length} files`);
