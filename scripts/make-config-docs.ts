// Rewrites the config documentation from the options table (src/config/options.ts):
// sharecast.example.yaml and the options table in README.md.
//   node --import tsx scripts/make-config-docs.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleConfig, optionsTable } from '../src/config/example-config.js';

const root = join(import.meta.dirname, '..');
writeFileSync(join(root, 'sharecast.example.yaml'), exampleConfig());
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = readme.replace(/(<!-- options-table:start -->\n)[\s\S]*?(<!-- options-table:end -->)/, `$1${optionsTable()}$2`);
writeFileSync(readmePath, updated);
console.log('wrote sharecast.example.yaml and the options table in README.md');
