// The stream's sequence numbers in the data dir: kept across restarts,
// written as a reservation so the media sequence never goes back.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataDir } from '../../../src/store/data-dir.js';
import { MSN_RESERVATION, SequenceStore } from '../../../src/stream/sequence-store.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { makeDataDir, removeDataDir } from '../../helpers/chat-server.js';

const onDisk = (root: string) => JSON.parse(readFileSync(join(root, 'streams', 'live.json'), 'utf8'));

describe('sequence store', () => {
  it('a restarted store continues at or after every number the stream reached, writing once per reservation', (t) => {
    const root = makeDataDir();
    t.after(() => removeDataDir(root));
    const a = new SequenceStore(new DataDir(root), nullLogger);
    assert.equal(a.load('live'), undefined, 'nothing saved yet');
    a.save('live', { nextMsn: 1, discontinuitySequence: 0 });
    assert.deepEqual(onDisk(root), { nextMsn: 1 + MSN_RESERVATION, discontinuitySequence: 0 });
    for (let n = 2; n <= MSN_RESERVATION + 1; n++) a.save('live', { nextMsn: n, discontinuitySequence: 0 });
    assert.deepEqual(onDisk(root), { nextMsn: 1 + MSN_RESERVATION, discontinuitySequence: 0 }, 'no write while inside the reservation');
    a.save('live', { nextMsn: MSN_RESERVATION + 2, discontinuitySequence: 1 });
    assert.deepEqual(onDisk(root), { nextMsn: 2 * MSN_RESERVATION + 2, discontinuitySequence: 1 });

    const b = new SequenceStore(new DataDir(root), nullLogger);
    const loaded = b.load('live');
    assert.ok(loaded && loaded.nextMsn >= MSN_RESERVATION + 2 && loaded.discontinuitySequence >= 1, JSON.stringify(loaded));
    // The restarted stream goes on from there: its next saves never write a smaller number.
    b.save('live', { nextMsn: (loaded?.nextMsn ?? 0) + 1, discontinuitySequence: 2 });
    assert.ok(onDisk(root).nextMsn > (loaded?.nextMsn ?? 0));
  });

  it('starts from 0 with a warning for a broken or malformed file, and writes a good one after', (t) => {
    const root = makeDataDir();
    t.after(() => removeDataDir(root));
    mkdirSync(join(root, 'streams'));
    const s = new SequenceStore(new DataDir(root), nullLogger);
    for (const text of ['', '{"nextMsn":', '{"nextMsn":-1,"discontinuitySequence":0}', '{"nextMsn":1.5,"discontinuitySequence":0}', '[]']) {
      writeFileSync(join(root, 'streams', 'live.json'), text);
      assert.equal(s.load('live'), undefined, text);
    }
    s.save('live', { nextMsn: 7, discontinuitySequence: 0 });
    assert.equal(onDisk(root).nextMsn, 7 + MSN_RESERVATION);
  });
});
