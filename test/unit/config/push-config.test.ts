import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { describeSourceSpec, parseSourceSpec } from '../../../src/config/source-spec.js';
import { ErrorCode, SharecastError } from '../../../src/errors.js';

const KEY = 'push-key-ABCDEFGH-1234';
const KEY2 = 'other-key-ABCDEFGH-5678';

function load(argv: string[], env: Record<string, string> = {}, file?: string): Config {
  const r = loadConfig({ argv: file === undefined ? argv : [...argv, '--config', '/etc/sharecast.yaml'], env, cwd: '/srv', readFile: () => file ?? '' });
  assert.equal(r.kind, 'config');
  return (r as { config: Config }).config;
}

function refused(run: () => unknown, secrets: string[] = []): string {
  let message = '';
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof SharecastError && err.code === ErrorCode.ConfigInvalid, String(err));
    message = err.message;
    return true;
  });
  for (const s of secrets) assert.ok(!message.includes(s), `the message shows a key: ${message}`);
  return message;
}

describe('push sources in the config', () => {
  it('reads NAME=push', () => {
    assert.deepEqual(parseSourceSpec('push', '/srv'), { kind: 'push', name: 'live' });
    assert.deepEqual(parseSourceSpec('tv=push', '/srv'), { kind: 'push', name: 'tv' });
    assert.deepEqual(parseSourceSpec('./push', '/srv'), { kind: 'folder', name: 'live', path: '/srv/push' }, 'a folder called push is still a path');
    assert.equal(describeSourceSpec({ kind: 'push', name: 'tv' }), 'push (uploads to /ingest/tv/)');
  });

  it('takes one key for every push stream, or a key each (flag, variable, file string or mapping)', () => {
    assert.deepEqual(load(['--source', 'push', '--push-key', KEY]).pushKey, { all: KEY, perStream: {} });
    assert.deepEqual(load(['--source', 'a=push', '--source', 'b=push'], { SHARECAST_PUSH_KEY: `a=${KEY},b=${KEY2}` }).pushKey, { all: undefined, perStream: { a: KEY, b: KEY2 } });
    assert.deepEqual(load([], {}, `sources: [a=push, b=push]\npushKey:\n  a: ${KEY}\n  b: ${KEY2}\n`).pushKey, { all: undefined, perStream: { a: KEY, b: KEY2 } });
    assert.deepEqual(load([], {}, `sources: [a=push]\npushKeys: {a: ${KEY}}\n`).pushKey, { all: undefined, perStream: { a: KEY } });
    assert.equal(load(['--source', 'push']).pushKey, undefined);
  });

  it('refuses a short or URL-unsafe key, a key twice, and a key for a stream that is not a push source, never showing a key', () => {
    refused(() => load(['--source', 'push', '--push-key', 'short']), ['short']);
    refused(() => load(['--source', 'push', '--push-key', `${KEY}/x`]), [KEY]);
    refused(() => load(['--source', 'push', '--push-key', `${KEY},${KEY2}`]), [KEY, KEY2]);
    refused(() => load([], {}, `sources: [push]\npushKey: [${KEY}]\n`), [KEY]);
    const m = refused(() => load(['--source', 'live=/srv/obs', '--push-key', `live=${KEY}`]), [KEY]);
    assert.match(m, /stream "live", which is a folder source/);
    refused(() => load(['--source', 'push', '--push-key', `tv=${KEY}`]), [KEY]);
  });

  it('has caps on uploads, the memory cap at least one upload', () => {
    const c = load(['--source', 'push']);
    assert.equal(c.pushMaxFile, 32 * 1024 * 1024);
    assert.equal(c.pushMemory, 64 * 1024 * 1024);
    assert.equal(c.trustProxy, false);
    assert.equal(load(['--trust-proxy', '--push-memory', '2MiB', '--push-max-file', '1MiB']).pushMemory, 2 * 1024 * 1024);
    assert.match(refused(() => load(['--push-memory', '1MiB', '--push-max-file', '2MiB'])), /pushMemory/);
  });

  it('warns about a key given as a flag, without the key', () => {
    const r = loadConfig({ argv: ['--source', 'push', '--push-key', KEY], env: {}, cwd: '/srv' });
    assert.equal(r.kind, 'config');
    const warnings = r.kind === 'config' ? r.warnings : [];
    assert.ok(warnings.some((w) => w.includes('--push-key') && w.includes('SHARECAST_PUSH_KEY')));
    assert.ok(!warnings.join(' ').includes(KEY));
  });
});
