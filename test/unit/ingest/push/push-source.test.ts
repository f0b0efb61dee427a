import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SharecastError } from '../../../../src/errors.js';
import { checkPushPath } from '../../../../src/ingest/push/push-names.js';
import { PushSource } from '../../../../src/ingest/push/push-source.js';
import type { PlaylistSnapshot, SourceStatus } from '../../../../src/ingest/source.js';
import { nullLogger } from '../../../fakes/null-logger.js';

const code = (c: string) => (err: unknown) => err instanceof SharecastError && err.code === c;
const tick = () => new Promise((r) => setImmediate(r));

async function started(o: { offlineAfterSeconds?: number } = {}) {
  let now = 5_000_000;
  const source = new PushSource({ name: 'live', logger: nullLogger, maxFileBytes: 1 << 20, maxBytes: 4 << 20, offlineAfterSeconds: o.offlineAfterSeconds ?? 6, readWaitMs: 200, now: () => now });
  const playlists: PlaylistSnapshot[] = [];
  const statuses: SourceStatus[] = [];
  await source.start({ onPlaylist: (s) => playlists.push(s), onStatus: (s) => statuses.push(s) });
  const push = (file: string, body: string | Buffer, client = '10.0.0.1') => {
    const u = source.upload(checkPushPath(file.split('/')), client, undefined);
    u.write(Buffer.from(body));
    u.complete();
    return u;
  };
  return { source, playlists, statuses, push, advance: (ms: number) => (now += ms) };
}

const media = (segments: string[], td = 1) => ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${td}`, '#EXT-X-MEDIA-SEQUENCE:0', ...segments.flatMap((s) => ['#EXTINF:1.0,', s]), ''].join('\n');
const master = ['#EXTM3U', '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="a",URI="media_1.m3u8"', '#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="a"', 'media_0.m3u8', ''].join('\n');

describe('PushSource: OBS\'s output pushed over HTTP', () => {
  it('waits for a playlist, then reports each new version of it, never the same text twice', async () => {
    const { source, playlists, statuses, push } = await started();
    assert.equal(statuses.at(-1)?.state, 'waiting');
    assert.doesNotMatch(JSON.stringify(source.status()), /KEY/);
    push('stream0.ts', 'seg0');
    push('stream.m3u8', media(['stream0.ts']));
    push('stream.m3u8', media(['stream0.ts']));
    push('stream1.ts', 'seg1');
    push('stream.m3u8', media(['stream0.ts', 'stream1.ts']));
    assert.deepEqual(playlists.map((p) => p.name), ['stream.m3u8', 'stream.m3u8']);
    assert.equal(playlists[1]?.text, media(['stream0.ts', 'stream1.ts']));
    assert.equal(source.status().state, 'ok');
    assert.equal(Buffer.from(await source.readSegment('stream1.ts')).toString(), 'seg1');
  });

  it('relays a master playlist and reports the media playlists it names once the stream watches them, pushed before or after', async () => {
    const { source, playlists, push } = await started();
    push('master.m3u8', master);
    push('media_1.m3u8', media(['chunk-stream1-00001.m4s']));
    assert.deepEqual(playlists.map((p) => p.name), ['master.m3u8']);
    source.watchPlaylists(['media_0.m3u8', 'media_1.m3u8']);
    await tick();
    assert.deepEqual(playlists.map((p) => p.name), ['master.m3u8', 'media_1.m3u8']);
    push('media_0.m3u8', media(['chunk-stream0-00001.m4s']));
    assert.deepEqual(playlists.map((p) => p.name), ['master.m3u8', 'media_1.m3u8', 'media_0.m3u8']);
    push('master.m3u8', master);
    assert.equal(playlists.length, 3, 'the master pushed again unchanged (master_m3u8_publish_rate) is not reported again');
  });

  it('without a master, keeps the media playlist whose name came last: two renditions never take turns', async () => {
    const { playlists, push } = await started();
    push('media_0.m3u8', media(['a.m4s']));
    push('media_1.m3u8', media(['b.m4s']));
    push('media_0.m3u8', media(['a.m4s', 'a2.m4s']));
    push('media_1.m3u8', media(['b.m4s', 'b2.m4s']));
    assert.deepEqual(playlists.map((p) => p.name), ['media_0.m3u8', 'media_1.m3u8', 'media_1.m3u8']);
    push('master.m3u8', master);
    assert.equal(playlists.at(-1)?.name, 'master.m3u8', 'a master that comes later takes over');
  });

  it('with the dash muxer, waits for its master.m3u8 (a restarted sharecast gets it again with master_m3u8_publish_rate), and says why an init section is missing', async () => {
    const { source, playlists, push } = await started();
    push('stream.mpd', '<MPD/>');
    push('media_0.m3u8', ['#EXTM3U', '#EXT-X-TARGETDURATION:1', '#EXT-X-MAP:URI="init-stream0.m4s"', '#EXTINF:1,', 'chunk-stream0-00009.m4s', ''].join('\n'));
    push('media_1.m3u8', media(['chunk-stream1-00009.m4s']));
    assert.equal(playlists.length, 0, 'no rendition is taken for the main playlist');
    assert.equal(source.status().state, 'waiting');
    assert.match(source.status().error?.message ?? '', /master\.m3u8/);
    push('master.m3u8', master);
    assert.deepEqual(playlists.map((p) => p.name), ['master.m3u8']);
    assert.equal(source.status().state, 'ok');
    source.watchPlaylists(['media_0.m3u8', 'media_1.m3u8']);
    await tick();
    await assert.rejects(source.readSegment('init-stream0.m4s'), (err: unknown) => err instanceof SharecastError && /init section.*start the stream in OBS/.test(err.message));
  });

  it('reads a listed segment still being pushed once it is complete; a missing one or one that breaks off is an error', async () => {
    const { source, push } = await started();
    push('stream.m3u8', media(['late.ts']));
    const u = source.upload(checkPushPath(['late.ts']), '10.0.0.1', undefined);
    u.write(Buffer.from('half'));
    const read = source.readSegment('late.ts');
    u.write(Buffer.from(' and the rest'));
    u.complete();
    assert.equal(Buffer.from(await read).toString(), 'half and the rest');
    await assert.rejects(source.readSegment('never.ts'), code(ErrorCode.SourceUnavailable));
    const cut = source.upload(checkPushPath(['cut.ts']), '10.0.0.1', undefined);
    const reading = source.readSegment('cut.ts');
    cut.abort(new SharecastError(ErrorCode.PushIncomplete, 'broke off'));
    await assert.rejects(reading, code(ErrorCode.SegmentIncomplete));
    source.upload(checkPushPath(['slow.ts']), '10.0.0.1', undefined);
    await assert.rejects(source.readSegment('slow.ts'), code(ErrorCode.SegmentIncomplete), 'waits at most readWaitMs');
    await assert.rejects(source.readSegment('../x.ts'), code(ErrorCode.PathOutsideSource));
  });

  it('takes one pusher at a time: another address gets PushBusy until the first has been silent for the offline timeout', async () => {
    const { source, push, advance } = await started({ offlineAfterSeconds: 6 });
    push('stream.m3u8', media(['s0.ts'], 2));
    assert.throws(() => push('stream.m3u8', media(['x.ts']), '10.0.0.2'), code(ErrorCode.PushBusy));
    advance(5000);
    push('s1.ts', 'x');
    advance(5000);
    assert.throws(() => source.remove(checkPushPath(['s0.ts']), '10.0.0.2'), code(ErrorCode.PushBusy), 'the first pushed 5 s ago');
    // 3 x target duration (2 s) is the offline timeout here: 6 s.
    const open = source.upload(checkPushPath(['s2.ts']), '10.0.0.1', undefined);
    advance(6000);
    push('stream.m3u8', media(['y.ts']), '10.0.0.2');
    assert.equal(source.pusher()?.address, '10.0.0.2');
    await assert.rejects(open.done, code(ErrorCode.SegmentIncomplete), 'an upload of the silent pusher is cut off when another takes over');
    push('z.ts', 'z', '10.0.0.2');
    assert.throws(() => push('a.ts', 'a', '10.0.0.1'), code(ErrorCode.PushBusy), 'and now the first one waits');
  });

  it('follows a segment whose upload is still coming (LL-HLS parts from a chunked upload)', async () => {
    const { source } = await started();
    const u = source.upload(checkPushPath(['chunk-stream0-00002.m4s']), '10.0.0.1', undefined);
    u.write(Buffer.from('moof1'));
    const heard: string[] = [];
    const done = new Promise<void>((resolve) =>
      source.follow('chunk-stream0-00002.m4s', { onData: (b) => heard.push(Buffer.from(b).toString()), onComplete: (n) => (heard.push(`complete ${n}`), resolve()), onGone: () => resolve() }),
    );
    await tick();
    u.write(Buffer.from('moof2'));
    u.complete();
    await done;
    assert.deepEqual(heard, ['moof1', 'moof2', 'complete 10']);
  });

  it('holds nothing once closed', async () => {
    const { source, push } = await started();
    push('a.ts', 'aaaa');
    const u = source.upload(checkPushPath(['b.ts']), '10.0.0.1', undefined);
    await source.close();
    await assert.rejects(u.done);
    assert.equal(source.bytesHeld, 0);
    assert.throws(() => push('c.ts', 'c'), code(ErrorCode.SourceUnavailable));
  });
});
