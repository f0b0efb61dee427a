// The shape docs/architecture.md describes, checked on the source itself:
// imports point down the data flow (no folder imports one above it), and no
// file in src/ grows past the ~400-line guide.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(import.meta.dirname, '..', '..', '..', 'src');

/** Each folder's place in the data flow: a folder may import only folders of a lower rank (and top-level files such as errors.ts). */
const RANK: Record<string, number> = {
  types: 0,
  log: 0,
  metrics: 0,
  config: 1,
  store: 1,
  media: 2,
  hls: 3,
  ingest: 4,
  stream: 5,
  viewers: 6,
  site: 6,
  chat: 7,
  live: 8,
  http: 9,
};

const MAX_LINES = 400;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('the source tree keeps its shape (docs/architecture.md)', () => {
  const all = files(SRC);

  it('names every folder of src/ in the layering', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    assert.deepEqual(folders.filter((f) => RANK[f] === undefined), [], 'a new folder needs its place in RANK and in docs/architecture.md');
    const doc = readFileSync(join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
    for (const f of folders.filter((x) => x !== 'types')) assert.ok(doc.includes(`src/${f}/`), `docs/architecture.md names src/${f}/`);
  });

  it('points every import down the data flow', () => {
    const wrong: string[] = [];
    for (const file of all) {
      const rel = relative(SRC, file).split('/');
      if (rel.length < 2) continue; // main.ts and errors.ts may import anything / nothing
      const from = rel[0] as string;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
        const target = relative(SRC, join(file, '..', m[1] as string)).split('/');
        if (target.length < 2 || target[0] === from) continue;
        const to = target[0] as string;
        if (to === 'main.ts' || (RANK[to] ?? 99) >= (RANK[from] ?? -1)) wrong.push(`${relative(SRC, file)} imports ${m[1]}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it(`keeps every file under about ${MAX_LINES} lines`, () => {
    const long = all.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > MAX_LINES + 1);
    assert.deepEqual(long, []);
  });
});
