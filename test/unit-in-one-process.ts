// Every unit test in one Node process: `npm run test:unit` pays for starting
// Node and tsx once, not once per file (unit tests hold no global state: no
// port, disk or system program). Files load in sorted order, as with --test.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function collect(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

for (const file of collect(join(import.meta.dirname, 'unit'))) await import(pathToFileURL(file).href);
