// Where a push stream's key comes from: the config (one for all, or one each), else the data
// dir (push-keys/NAME), else generated on first start, stored there (0600 in a 0700 folder)
// and printed once, like the admin token. Never in the JSON log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolvePushKeys } from '../../../src/http/ingest-keys.js';
import { DataDir } from '../../../src/store/data-dir.js';
import { capturingLogger } from '../../fakes/capturing-logger.js';
import { rawUpload, startPushRelay } from '../../helpers/push-relay.js';

describe('push keys', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sharecast-keys-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('generates one per stream on first start, stores it (0600 in a 0700 folder), prints it once and never logs it', async () => {
    const data = new DataDir(join(dir(), 'data'));
    const printed: string[] = [];
    const log = capturingLogger('trace');
    const input = { streams: ['live', 'tv'], configured: undefined, file: (s: string) => data.pushKey(s), logger: log.logger, print: (l: string) => printed.push(l) };
    const first = await resolvePushKeys(input);
    const live = first.get('live');
    assert.equal(live?.origin, 'generated');
    assert.match(live?.key ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(live?.key, first.get('tv')?.key, 'a key each');
    const file = join(data.root, 'push-keys', 'live');
    assert.equal(readFileSync(file, 'utf8').trim(), live?.key);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(data.root, 'push-keys')).mode & 0o777, 0o700);
    assert.equal(printed.length, 2);
    assert.ok(printed[0]?.includes(live?.key ?? '-') && printed[0].includes(`/ingest/live/${live?.key}/stream.m3u8`), 'the human line shows the key and the URL for OBS');

    const again = await resolvePushKeys(input);
    assert.deepEqual({ key: again.get('live')?.key, origin: again.get('live')?.origin }, { key: live?.key, origin: 'stored' });
    assert.equal(printed.length, 2, 'printed only the first time');
    assert.ok(!log.text().includes(live?.key ?? '-') && !log.text().includes(first.get('tv')?.key ?? '-'), 'the JSON log never holds a key');
    assert.match(log.text(), /stream key generated and stored in/);
  });

  it('uses the configured keys and stores nothing', async () => {
    const data = new DataDir(join(dir(), 'data'));
    const keys = await resolvePushKeys({
      streams: ['live', 'tv'],
      configured: { all: 'every-stream-key-0123456789', perStream: { tv: 'tv-only-key-0123456789' } },
      file: (s) => data.pushKey(s),
      logger: capturingLogger('trace').logger,
      print: () => assert.fail('nothing to print'),
    });
    assert.deepEqual([keys.get('live')?.key, keys.get('tv')?.key], ['every-stream-key-0123456789', 'tv-only-key-0123456789']);
    assert.throws(() => statSync(join(data.root, 'push-keys', 'live')));
  });

  it('a server started without --push-key takes uploads with the generated key, and the admin page gets it', async () => {
    const relay = await startPushRelay([], { keyArgs: [] });
    try {
      const key = readFileSync(join(relay.dataDir, 'push-keys', 'live'), 'utf8').trim();
      assert.equal((await rawUpload(`${relay.url}/ingest/live/${key}/stream.m3u8`, { body: '#EXTM3U\n' })).status, 201);
      const admin = await relay.adminPush();
      assert.equal(admin.streams[0]?.key, key);
      assert.equal(admin.streams[0]?.keyOrigin, 'generated');
      assert.ok(!relay.logs().includes(key));
    } finally {
      await relay.stop();
    }
  });
});
