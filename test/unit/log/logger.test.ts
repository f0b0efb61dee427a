import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { lines, destination };
}

test('JSON lines by default, one child logger per module', () => {
  const { lines, destination } = capture();
  const root = createLogger({ level: 'info', destination });
  root.child({ module: 'ingest', stream: 'live' }).info('hello');
  const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(line['msg'], 'hello');
  assert.equal(line['module'], 'ingest');
  assert.equal(line['stream'], 'live');
  assert.equal(line['level'], 30);
});

test('secrets never reach a log line, at any of the usual depths', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'debug', destination });
  log.info({ password: 'hunter2', token: 'tok-123456', adminToken: 'adm-123456' }, 'top');
  log.info({ source: { password: 'hunter2' }, req: { headers: { authorization: 'Bearer abcdef' } } }, 'nested');
  log.child({ module: 'x' }).warn({ smb: { auth: { password: 'hunter2' } } }, 'deeper');
  const text = lines.join('\n');
  for (const secret of ['hunter2', 'tok-123456', 'adm-123456', 'Bearer abcdef']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.ok(text.includes('[redacted]'));
});

test('the level filters', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'warn', destination });
  log.info('quiet');
  log.warn('loud');
  assert.equal(lines.length, 1);
});
