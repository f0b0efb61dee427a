// With --workers, the edge workers take the public port and pass /ingest to the main
// process as it comes (with the client's address in a PROXY line): chunked uploads still
// stream, so LL-HLS parts still come, and the pusher is seen as itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { rawUpload, startPushRelay, type PushRelay } from '../../helpers/push-relay.js';
import { waitFor } from '../../helpers/wait.js';

describe('push ingest through edge workers', { timeout: 60_000 }, () => {
  let relay: PushRelay;
  let obs: Obs;

  before(async () => {
    requireFfmpeg();
    relay = await startPushRelay(['--workers', '1']);
    obs = startObs({ dir: '', muxer: 'dash', pushUrl: relay.ingestUrl() });
  });

  after(async () => {
    await obs?.kill();
    await relay?.stop();
  });

  it('relays a chunked push as LL-HLS, refuses bad uploads the same way, and knows the pusher', async () => {
    await waitFor('parts through the worker', async () => (await relay.text('/hls/live/media-0.m3u8')).text.includes('#EXT-X-PART:'), 30_000);
    assert.equal((await relay.adminPush()).streams[0]?.pusher?.address, '127.0.0.1');
    const refused = await rawUpload(`${relay.ingestUrl()}/x.exe`, { body: 'x' });
    assert.equal(refused.status, 415);
    const busy = await rawUpload(`${relay.ingestUrl()}/stream.m3u8`, { body: '#EXTM3U\n', localAddress: '127.0.0.2' });
    assert.equal(busy.status, 409, 'a second pusher behind the worker is told apart by its address');
  });
});
