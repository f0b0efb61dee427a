// The option validators (src/config/schema.ts), which replaced zod: each value's type, range and message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPTION_SCHEMAS } from '../../../src/config/schema.js';

const bad = (r: { ok: boolean; message?: string }) => (r.ok ? 'ok' : r.message);

describe('option validators', () => {
  it('checks types and gives the option its message', () => {
    assert.equal(bad(OPTION_SCHEMAS.sources('demo')), 'expected a list of [NAME=]URI strings');
    assert.equal(bad(OPTION_SCHEMAS.sources(['demo', 3])), 'expected a list of [NAME=]URI strings');
    assert.deepEqual(OPTION_SCHEMAS.sources(['demo']), { ok: true, value: ['demo'] });
    assert.equal(bad(OPTION_SCHEMAS.title(5)), 'expected text');
    assert.equal(bad(OPTION_SCHEMAS.poll({})), 'expected true or false');
    assert.equal(bad(OPTION_SCHEMAS.logLevel('loud')), 'expected one of fatal, error, warn, info, debug, trace, silent');
    assert.equal(bad(OPTION_SCHEMAS.cacheSize(null)), 'expected a size from 1MiB to 64GiB, e.g. 160MiB, 512MB or 1GiB');
  });

  it('trims text, then holds it to its length', () => {
    assert.deepEqual(OPTION_SCHEMAS.title('  My stream '), { ok: true, value: 'My stream' });
    assert.equal(bad(OPTION_SCHEMAS.title('   ')), 'expected 1-120 characters');
    assert.equal(bad(OPTION_SCHEMAS.title('x'.repeat(121))), 'expected 1-120 characters');
    assert.equal(bad(OPTION_SCHEMAS.adminToken('short')), 'expected at least 16 characters');
    assert.deepEqual(OPTION_SCHEMAS.adminToken(undefined), { ok: true, value: undefined });
    assert.equal(bad(OPTION_SCHEMAS.data(' ')), 'expected a folder path');
  });

  it('reads numbers, sizes and booleans from strings or typed values', () => {
    assert.deepEqual(OPTION_SCHEMAS.workers('2'), { ok: true, value: 2 });
    assert.equal(bad(OPTION_SCHEMAS.workers(1.5)), 'expected a whole number of processes');
    assert.equal(bad(OPTION_SCHEMAS.workers('33')), 'expected a number of processes from 0 to 32');
    assert.equal(bad(OPTION_SCHEMAS.windowSeconds(Infinity)), 'expected seconds from 2 to 600');
    assert.equal(bad(OPTION_SCHEMAS.windowSeconds('')), 'expected seconds from 2 to 600');
    assert.deepEqual(OPTION_SCHEMAS.cacheSize('1GiB'), { ok: true, value: 1024 ** 3 });
    assert.deepEqual(OPTION_SCHEMAS.poll(' Yes '), { ok: true, value: true });
    assert.deepEqual(OPTION_SCHEMAS.lowLatency(false), { ok: true, value: false });
    assert.deepEqual(OPTION_SCHEMAS.listen(':8080'), { ok: true, value: { host: '0.0.0.0', port: 8080 } });
    assert.deepEqual(OPTION_SCHEMAS.listen('[::1]:0'), { ok: true, value: { host: '::1', port: 0 } });
    assert.equal(bad(OPTION_SCHEMAS.listen(8080)), 'expected HOST:PORT, e.g. 0.0.0.0:8080, [::]:8080 or 127.0.0.1:0 (port 0-65535)');
  });

  it('takes push keys as text or as a mapping of strings', () => {
    const key = 'k'.repeat(16);
    assert.deepEqual(OPTION_SCHEMAS.pushKey(`live=${key}`), { ok: true, value: { all: undefined, perStream: { live: key } } });
    assert.deepEqual(OPTION_SCHEMAS.pushKey({ live: key }), { ok: true, value: { all: undefined, perStream: { live: key } } });
    assert.notEqual(bad(OPTION_SCHEMAS.pushKey({ live: 5 })), 'ok');
    assert.notEqual(bad(OPTION_SCHEMAS.pushKey([key])), 'ok');
    assert.notEqual(bad(OPTION_SCHEMAS.pushKey(`${key},${key}`)), 'ok', 'two keys for every stream');
  });
});
