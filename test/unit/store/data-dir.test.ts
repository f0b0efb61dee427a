import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempFileTarget } from '../../../src/store/atomic-file.js';
import { DATA_FILES, DATA_FOLDERS, DataDir } from '../../../src/store/data-dir.js';

describe('the data dir map', () => {
  it('names every file once, inside a folder of the map', () => {
    const paths = Object.values(DATA_FILES).map((f) => f.path);
    assert.equal(new Set(paths).size, paths.length, 'no two files share a path');
    const folders = new Set<string>(Object.values(DATA_FOLDERS));
    for (const p of paths) {
      const folder = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      assert.ok(folders.has(folder), `${p} is in a folder of the map`);
      assert.ok(!folders.has(p), `${p} is not also a folder`);
    }
  });

  it('writes secrets owner-only', () => {
    for (const name of ['adminToken', 'chatSecret', 'chatHistory', 'chatBans', 'chatNames'] as const) assert.equal(DATA_FILES[name].mode, 0o600, name);
  });

  it('puts each file under the root it was given', () => {
    const d = new DataDir('/srv/sharecast');
    assert.equal(d.file('title').path, join('/srv/sharecast', 'title.json'));
    assert.equal(d.file('chatSecret').path, join('/srv/sharecast', 'chat', 'secret'));
    assert.equal(d.streamState('live').path, join('/srv/sharecast', 'streams', 'live.json'));
    assert.equal(d.folder('pushKeys'), join('/srv/sharecast', 'push-keys'));
  });

  it('refuses a stream name that could leave its folder', () => {
    const d = new DataDir('/srv/sharecast');
    for (const bad of ['../admin-token', '.hidden', 'a/b', '', 'x'.repeat(65), 'a\\b']) assert.throws(() => d.streamState(bad), bad);
  });

  it('recognises the temp files of the atomic write, including the older names', () => {
    assert.equal(tempFileTarget('.title.json.1234.1a2b3c4d.tmp'), 'title.json');
    assert.equal(tempFileTarget('.title.json.77.lx2k9q.tmp'), 'title.json', 'a base-36 time, as earlier versions wrote');
    for (const n of ['title.json', 'title.json.tmp', '.title.json', 'segment0.ts.tmp', '.x.tmp']) assert.equal(tempFileTarget(n), undefined, n);
  });
});
