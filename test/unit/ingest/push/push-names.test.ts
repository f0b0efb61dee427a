import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SharecastError } from '../../../../src/errors.js';
import { checkPushPath, listedUris } from '../../../../src/ingest/push/push-names.js';

function refused(parts: string[], code: string): void {
  assert.throws(
    () => checkPushPath(parts),
    (err: unknown) => err instanceof SharecastError && err.code === code,
    `${JSON.stringify(parts)} is refused with ${code}`,
  );
}

describe('checkPushPath: what an upload may be called', () => {
  it('takes the files ffmpeg\'s hls and dash muxers upload, and says what each is', () => {
    assert.deepEqual(checkPushPath(['stream.m3u8']), { path: 'stream.m3u8', kind: 'playlist' });
    assert.deepEqual(checkPushPath(['stream.mpd']), { path: 'stream.mpd', kind: 'manifest' });
    assert.deepEqual(checkPushPath(['stream12.ts']), { path: 'stream12.ts', kind: 'media' });
    assert.deepEqual(checkPushPath(['chunk-stream0-00001.m4s']), { path: 'chunk-stream0-00001.m4s', kind: 'media' });
    assert.deepEqual(checkPushPath(['init-stream1.m4s']), { path: 'init-stream1.m4s', kind: 'media' });
    assert.deepEqual(checkPushPath(['stream_init.MP4']), { path: 'stream_init.MP4', kind: 'media' });
    assert.deepEqual(checkPushPath(['audio.aac']), { path: 'audio.aac', kind: 'media' });
    assert.deepEqual(checkPushPath(['v0', 'stream.m3u8']), { path: 'v0/stream.m3u8', kind: 'playlist' });
  });

  it('refuses every way out of the stream: "..", ".", %-escaped dots and slashes, hidden files, empty parts, backslashes, control characters', () => {
    for (const parts of [['..', 'x.ts'], ['.', 'x.ts'], ['%2e%2e', 'x.ts'], ['%2E%2E%2Fx.ts'], ['a%2Fb.ts'], ['.hidden.ts'], ['', 'x.ts'], ['a', '', 'x.ts'], ['a%5cb.ts'], ['x%00.ts'], ['%zz.ts'], ['my%20stream.ts'], []]) {
      refused(parts, ErrorCode.PushPathInvalid);
    }
    refused(['a', 'b', 'c', 'd', 'e.ts'], ErrorCode.PushPathInvalid);
    refused([`${'a'.repeat(200)}.ts`], ErrorCode.PushPathInvalid);
  });

  it('refuses other file types with their own code', () => {
    for (const name of ['x.exe', 'x.ts.tmp', 'x', 'x.html', 'x.m3u', 'x.json', 'm3u8']) refused([name], ErrorCode.PushTypeInvalid);
  });

  it('never repeats what it was given in its message (the path may follow a stream key)', () => {
    for (const parts of [['..', 'secret-key-value.ts'], ['secret-key-value.exe']]) {
      try {
        checkPushPath(parts);
        assert.fail('accepted');
      } catch (err) {
        assert.ok(!(err as Error).message.includes('secret-key-value'), (err as Error).message);
      }
    }
  });
});

describe('listedUris', () => {
  it('lists segments, init sections, parts and the preload hint, nothing else', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-MAP:URI="init-stream0.m4s"',
      '#EXTINF:1.000,',
      'chunk-stream0-00001.m4s',
      '#EXT-X-PART:DURATION=0.2,URI="p.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="hint.m4s"',
      '',
      '  stream2.ts  ',
    ].join('\r\n');
    assert.deepEqual(listedUris(text), ['init-stream0.m4s', 'chunk-stream0-00001.m4s', 'p.m4s', 'hint.m4s', 'stream2.ts']);
  });
});
