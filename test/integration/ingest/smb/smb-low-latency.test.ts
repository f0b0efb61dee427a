// LL-HLS over SMB: a real ffmpeg (dash muxer, streaming) writes chunked CMAF
// into a folder a real smbd shares; sharecast follows each growing segment
// over SMB (one open handle, READs at the offset reached) and publishes its
// parts as they are written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireFfmpeg, startObs, type Obs } from '../../../helpers/ffmpeg.js';
import { llPlaylistProblems } from '../../../helpers/ll-hls-check.js';
import { startRelay, type Relay } from '../../../helpers/relay.js';
import { startSamba, type SambaServer } from '../../../helpers/samba.js';
import { waitFor } from '../../../helpers/wait.js';

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('LL-HLS over SMB: ffmpeg (dash) -> share -> smbd -> sharecast', { timeout: 120_000 }, () => {
  let samba: SambaServer;
  let relay: Relay;
  let obs: Obs;
  let dir: string;
  const text = async (path: string) => (await relay.get(path)).text();
  const bytes = async (path: string) => {
    const res = await relay.get(path);
    assert.equal(res.status, 200, path);
    return new Uint8Array(await res.arrayBuffer());
  };

  before(async () => {
    requireFfmpeg();
    samba = await startSamba();
    dir = join(samba.sharePath(), 'dash');
    mkdirSync(dir);
    obs = startObs({ dir, muxer: 'dash' });
    const uri = `smb://${samba.user}@${samba.host}:${samba.port}/share/dash/stream.mpd`;
    relay = await startRelay(['--source', uri, '--smb-password', samba.password]);
    await waitFor('parts in both renditions', async () => {
      const [v, a] = await Promise.all([text('/hls/live/media-0.m3u8'), text('/hls/live/media-1.m3u8')]);
      return /#EXTINF[^\n]*\n[^\n]+\n#EXT-X-PART:/.test(v) && a.includes('#EXT-X-PART:');
    }, 60_000);
  });

  after(async () => {
    await obs?.kill();
    await relay?.stop();
    await samba?.cleanup();
  });

  it('relays the master playlist and LL media playlists that pass the part rules', async () => {
    assert.match(await text('/hls/live/index.m3u8'), /URI="media-1\.m3u8"[\s\S]*\nmedia-0\.m3u8\n/);
    for (const file of ['media-0.m3u8', 'media-1.m3u8']) {
      const t = await text(`/hls/live/${file}`);
      assert.deepEqual(llPlaylistProblems(t), [], `${file}:\n${t}`);
    }
  });

  it('serves parts whose concatenation is the segment, byte-identical to the file ffmpeg renamed into place', async () => {
    const pl = await waitFor('a complete segment published part by part', async () => {
      const t = await text('/hls/live/media-0.m3u8');
      return /#EXT-X-PART:[^\n]*\n#EXTINF/.test(t) ? t : undefined;
    }, 30_000);
    let checked = 0;
    const lines = pl.split('\n');
    let parts: string[] = [];
    for (const line of lines) {
      if (line.startsWith('#EXT-X-PART:')) parts.push(/URI="([^"]+)"/.exec(line)?.[1] ?? '');
      else if (line !== '' && !line.startsWith('#')) {
        if (parts.length > 0) {
          const whole = await bytes(`/hls/live/${line}`);
          const joined = Buffer.concat(await Promise.all(parts.map((p) => bytes(`/hls/live/${p}`))));
          assert.equal(sha(joined), sha(whole), `${line} is the concatenation of its parts`);
          const onDisk = new Set(readdirSync(dir).filter((n) => /^chunk-stream0-\d+\.m4s$/.test(n)).map((n) => sha(readFileSync(join(dir, n)))));
          assert.ok(onDisk.has(sha(whole)), `${line} is a file ffmpeg wrote`);
          checked += 1;
        }
        parts = [];
      }
    }
    assert.ok(checked >= 1, `checked ${checked} segments`);
  });
});
