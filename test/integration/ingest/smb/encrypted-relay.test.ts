// End to end over an encrypted share: ffmpeg writes HLS into a folder that a
// real smbd shares with `smb encrypt = required`, sharecast reads it over SMB
// 3.1.1 with AES-128-GCM and serves it; /api/status names the cipher. A
// second stream with a wrong password shows the error and the next try.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireFfmpeg } from '../../../helpers/ffmpeg.js';
import { startObsRelay, type ObsRelay } from '../../../helpers/obs-relay.js';
import type { Relay } from '../../../helpers/relay.js';
import type { RelayWatcher } from '../../../helpers/relay-watcher.js';
import { startSamba, type SambaServer } from '../../../helpers/samba.js';
import { writtenFiles } from '../../../helpers/written-files.js';

requireFfmpeg();

/** What /api/status says of a stream's source, with the fields this test reads. */
interface SourceView {
  state: string;
  error?: { code: string; message: string };
  nextTry?: string;
  detail?: Record<string, unknown>;
}

describe('relay over an encrypted SMB share: ffmpeg -> smbd (smb encrypt = required) -> sharecast -> viewer', () => {
  let samba: SambaServer;
  let rig: ObsRelay;
  let relay: Relay;
  let watcher: RelayWatcher;
  let dir: string;
  const source = async (name: string): Promise<SourceView> => (await relay.status()).streams[name]?.source as SourceView;

  before(async () => {
    samba = await startSamba({ encrypt: 'required' });
    dir = join(samba.sharePath(), 'obs');
    mkdirSync(dir);
    const base = `${samba.host}:${samba.port}/share/obs/stream.m3u8`;
    rig = await startObsRelay(dir, [
      '--source',
      `live=smb://${samba.user}@${base}`,
      '--source',
      `typo=smb://${samba.user}:Not-The-Password@${base}`,
      '--smb-password',
      samba.password,
    ]);
    ({ relay, watcher } = rig);
  });

  after(async () => {
    await rig?.stop();
    await samba?.cleanup();
  });

  test('every segment a viewer gets is a file ffmpeg wrote, and /api/status names the cipher', async () => {
    await watcher.stop();
    const written = writtenFiles(dir);
    assert.ok(watcher.segmentHashes.size >= 4);
    for (const [uri, hash] of watcher.segmentHashes) assert.ok(written.has(hash), `${uri} is a file ffmpeg wrote`);
    assert.deepEqual(watcher.serverErrors(), []);
    const live = await source('live');
    assert.equal(live.state, 'ok');
    assert.deepEqual(live.detail, { dialect: 'SMB 3.1.1', signing: 'aes-cmac', encryption: 'aes-128-gcm', encryptionRequiredBy: 'session', compounding: true });
  });

  test('a wrong password on the other stream: the error, no connection details, and when the next try is', async () => {
    const typo = await source('typo');
    assert.equal(typo.state, 'error');
    assert.equal(typo.error?.code, 'source_auth_failed');
    assert.doesNotMatch(JSON.stringify(typo), /Not-The-Password/);
    assert.equal(typo.detail, undefined);
    assert.ok(typo.nextTry && Date.parse(typo.nextTry) > Date.now() - 1000, `nextTry ${typo.nextTry}`);
    assert.ok(Date.parse(typo.nextTry) <= Date.now() + 31_000, 'within the 30 s slow retry');
  });
});
