// The append-only log in a temp dir: durability order, torn lines, compaction.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChatLog } from '../../../src/chat/chat-log.js';
import { DataFile } from '../../../src/store/data-dir.js';
import { nullLogger } from '../../fakes/null-logger.js';

const logger = nullLogger;

describe('chat log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('appends lines in order, all of them on disk when the appends resolve', async () => {
    const path = join(dir, 'order.jsonl');
    const { log, records } = await ChatLog.open({ file: new DataFile(path, 0o600), logger, compactAfter: 1e9, snapshot: () => [] });
    assert.deepEqual(records, []);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append({ n: i })));
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).n);
    assert.deepEqual(lines, Array.from({ length: 200 }, (_, i) => i));
    await log.close();
    const again = await ChatLog.open({ file: new DataFile(path, 0o600), logger, compactAfter: 1e9, snapshot: () => [] });
    assert.equal(again.records.length, 200);
    await again.log.close();
  });

  it('skips unreadable lines and cuts a torn last line before appending', async () => {
    const path = join(dir, 'torn.jsonl');
    writeFileSync(path, '{"n":1}\ngarbage\n{"n":2}\n');
    appendFileSync(path, '{"n":3,"text":"half');
    const { log, records } = await ChatLog.open({ file: new DataFile(path, 0o600), logger, compactAfter: 1e9, snapshot: () => [] });
    assert.deepEqual(records, [{ n: 1 }, { n: 2 }]);
    await log.append({ n: 4 });
    await log.close();
    assert.equal(readFileSync(path, 'utf8'), '{"n":1}\ngarbage\n{"n":2}\n{"n":4}\n');
  });

  it('compacts to a snapshot once it grows, and keeps appending after', async () => {
    const path = join(dir, 'compact.jsonl');
    const state: { n: number }[] = [];
    const { log } = await ChatLog.open({ file: new DataFile(path, 0o600), logger, compactAfter: 50, snapshot: () => state.slice(-10) });
    for (let i = 0; i < 120; i++) {
      await log.append({ n: i });
      state.push({ n: i });
    }
    await log.close();
    const { log: l2, records } = await ChatLog.open({ file: new DataFile(path, 0o600), logger, compactAfter: 50, snapshot: () => [] });
    await l2.close();
    const ns = (records as { n: number }[]).map((r) => r.n);
    assert.ok(ns.length < 120, `compacted (${ns.length} records)`);
    assert.equal(ns.at(-1), 119, 'nothing acknowledged is lost at the end');
    for (let i = 1; i < ns.length; i++) assert.equal(ns[i], (ns[i - 1] as number) + 1, 'no gaps');
  });

  it('refuses appends after close', async () => {
    const { log } = await ChatLog.open({ file: new DataFile(join(dir, 'closed.jsonl'), 0o600), logger, compactAfter: 1e9, snapshot: () => [] });
    await log.close();
    await assert.rejects(log.append({ n: 1 }));
  });
});
