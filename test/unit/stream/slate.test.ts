import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { StreamShape } from '../../../src/media/stream-probe.js';
import { loadSlate, pickSlate, type Slate } from '../../../src/stream/slate.js';

const shape = (o: Partial<StreamShape>): StreamShape => ({ container: 'ts', video: { width: 1280, height: 720 }, hasVideo: true, audioRate: 48000, hasAudio: true, ...o });

describe('the built-in slate', () => {
  let slate: Slate;
  before(async () => {
    slate = await loadSlate(join(import.meta.dirname, '..', '..', '..', 'fixtures', 'slate'));
  });

  it('has a variant for each container and layout a live stream can have', () => {
    assert.equal(slate.source, 'built-in');
    assert.equal(pickSlate(slate, shape({}))?.variant.segment, 'ts-720p-48000.ts');
    assert.equal(pickSlate(slate, shape({ container: 'fmp4' }))?.variant.segment, 'mp4-720p-48000-0.m4s');
    assert.equal(pickSlate(slate, shape({ container: 'fmp4', hasAudio: false, audioRate: null }))?.variant.segment, 'mp4-720p-v-0.m4s');
    assert.equal(pickSlate(slate, shape({ container: 'fmp4', hasVideo: false, video: null, audioRate: 44100 }))?.variant.segment, 'mp4-a-44100-0.m4s');
  });

  it('picks the picture size nearest the stream\'s, and its sample rate (48 kHz when the slate lacks it)', () => {
    assert.equal(pickSlate(slate, shape({ video: { width: 1920, height: 1080 } }))?.variant.video?.height, 1080);
    assert.equal(pickSlate(slate, shape({ video: { width: 854, height: 480 } }))?.variant.video?.height, 360);
    assert.equal(pickSlate(slate, shape({ video: { width: 2560, height: 1440 } }))?.variant.video?.height, 1080);
    assert.equal(pickSlate(slate, shape({ video: null }))?.variant.video?.height, 720, 'a size that could not be read: 720p');
    assert.equal(pickSlate(slate, shape({ audioRate: 44100 }))?.variant.audioRate, 44100);
    assert.equal(pickSlate(slate, shape({ audioRate: 32000 }))?.variant.audioRate, 48000);
  });

  it('has nothing for a stream with neither video nor audio', () => {
    assert.equal(pickSlate(slate, shape({ hasVideo: false, hasAudio: false, video: null, audioRate: null })), undefined);
  });

  it('gives each copy of a clip new bytes, the first one the clip itself', () => {
    const c = pickSlate(slate, shape({}))!;
    assert.notDeepEqual(c.segment(0), c.segment(1));
    assert.equal(c.segment(0).length, c.segment(1).length);
  });
});
