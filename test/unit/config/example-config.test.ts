import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exampleConfig } from '../../../src/config/example-config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { OPTIONS } from '../../../src/config/options.js';

const FILE = join(import.meta.dirname, '..', '..', '..', 'sharecast.example.yaml');

test('sharecast.example.yaml is up to date with the options table (node --import tsx scripts/make-config-docs.ts)', () => {
  assert.equal(readFileSync(FILE, 'utf8'), exampleConfig());
});

test('the example config lists every key and loads to exactly the defaults', () => {
  const text = readFileSync(FILE, 'utf8');
  for (const def of OPTIONS) if (def.key !== 'config') assert.match(text, new RegExp(`^(# )?${def.key}:`, 'm'), def.key);
  const fromFile = loadConfig({ argv: ['--config', FILE], env: {}, cwd: '/tmp' });
  const defaults = loadConfig({ argv: [], env: {}, cwd: '/tmp' });
  assert.equal(fromFile.kind, 'config');
  assert.equal(defaults.kind, 'config');
  if (fromFile.kind === 'config' && defaults.kind === 'config') {
    assert.deepEqual({ ...fromFile.config, config: undefined }, { ...defaults.config, config: undefined });
  }
});

test('the options table in README.md is up to date (node --import tsx scripts/make-config-docs.ts)', async () => {
  const { optionsTable } = await import('../../../src/config/example-config.js');
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
  assert.ok(readme.includes(`<!-- options-table:start -->\n${optionsTable()}<!-- options-table:end -->`));
});
