// Where the admin token comes from: the config, else the data dir, else generated, stored and printed once.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveAdminToken } from '../../../src/http/admin-token.js';
import { DATA_FILES, DataDir } from '../../../src/store/data-dir.js';
import { capturingLogger } from '../../fakes/capturing-logger.js';
import { makeDataDir, removeDataDir } from '../../helpers/chat-server.js';

describe('admin token resolution', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = makeDataDir();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach(removeDataDir));

  it('uses the configured token and stores nothing', async () => {
    const d = dir();
    const printed: string[] = [];
    const t = await resolveAdminToken({ adminToken: 'configured-token-123456', file: new DataDir(d).file('adminToken'), logger: capturingLogger().logger, print: (l) => printed.push(l) });
    assert.deepEqual({ token: t.token, origin: t.origin }, { token: 'configured-token-123456', origin: 'config' });
    assert.throws(() => statSync(join(d, DATA_FILES.adminToken.path)));
    assert.deepEqual(printed, []);
  });

  it('generates one on first start, stores it (0600), prints it once, and never logs it', async () => {
    const d = join(dir(), 'not-yet-there');
    const printed: string[] = [];
    const log = capturingLogger();
    const first = await resolveAdminToken({ adminToken: undefined, file: new DataDir(d).file('adminToken'), logger: log.logger, print: (l) => printed.push(l) });
    assert.equal(first.origin, 'generated');
    assert.ok(first.token.length >= 32);
    assert.equal(readFileSync(join(d, DATA_FILES.adminToken.path), 'utf8').trim(), first.token);
    assert.equal(statSync(join(d, DATA_FILES.adminToken.path)).mode & 0o777, 0o600);
    assert.equal(printed.length, 1);
    assert.ok(printed[0]?.includes(first.token), 'the human line shows the token');

    const second = await resolveAdminToken({ adminToken: undefined, file: new DataDir(d).file('adminToken'), logger: log.logger, print: (l) => printed.push(l) });
    assert.deepEqual({ token: second.token, origin: second.origin }, { token: first.token, origin: 'stored' });
    assert.equal(printed.length, 1, 'printed only the first time');
    assert.match(log.text(), /admin token generated/, 'the log says where the token is');
    assert.ok(!log.text().includes(first.token), 'the JSON log never holds the token');
  });

  it('replaces a stored token that is too short to be one', async () => {
    const d = dir();
    writeFileSync(join(d, DATA_FILES.adminToken.path), 'short\n');
    const printed: string[] = [];
    const t = await resolveAdminToken({ adminToken: undefined, file: new DataDir(d).file('adminToken'), logger: capturingLogger().logger, print: (l) => printed.push(l) });
    assert.equal(t.origin, 'generated');
    assert.equal(printed.length, 1);
  });
});
