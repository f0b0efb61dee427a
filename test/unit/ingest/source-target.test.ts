import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { describe, it } from 'node:test';
import { sourceTarget } from '../../../src/ingest/playlist-kinds.js';

describe('sourceTarget', () => {
  it('follows a named playlist, or the newest playlist of a folder or beside a dash MPD', () => {
    assert.deepEqual(sourceTarget('/srv/obs/stream.m3u8', dirname, basename), { root: '/srv/obs', fixedName: 'stream.m3u8' });
    assert.deepEqual(sourceTarget('/srv/obs/STREAM.MPD', dirname, basename), { root: '/srv/obs', fixedName: null });
    assert.deepEqual(sourceTarget('/srv/obs', dirname, basename), { root: '/srv/obs', fixedName: null });
  });
});
