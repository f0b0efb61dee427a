// Rewrites sharecast.example.yaml from the options table (src/config/options.ts).
//   node --import tsx scripts/make-example-config.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleConfig } from '../src/config/example-config.js';

writeFileSync(join(import.meta.dirname, '..', 'sharecast.example.yaml'), exampleConfig());
console.log('wrote sharecast.example.yaml');
