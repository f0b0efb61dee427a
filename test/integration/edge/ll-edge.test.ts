// sharecast's LL-HLS behind a real caching edge: nginx with proxy_cache and
// proxy_cache_lock, as a CDN would put it. 200 simulated LL players (what
// hls.js does at the live edge: a blocking reload for the next part, then the
// part), in a process of their own, follow the live stream from real ffmpeg
// (dash muxer) through nginx. A counting proxy between nginx and sharecast
// shows what the origin sees: about one request per part and one per
// blocking-reload URL, however many players wait.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { requireFfmpeg, startObs, type Obs } from '../../helpers/ffmpeg.js';
import { followLive } from '../../helpers/ll-client.js';
import type { PlayersReport } from '../../helpers/ll-players.js';
import { startNginx, type Nginx } from '../../helpers/nginx.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { waitFor } from '../../helpers/wait.js';

const PLAYERS = 200;
const SECONDS = 15;
const run = promisify(execFile);

/** A pass-through HTTP proxy that writes down every request it passes on. */
async function startCountingProxy(targetPort: number): Promise<{ port: number; urls: string[]; close(): Promise<void> }> {
  const urls: string[] = [];
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    urls.push(req.url ?? '');
    const up = request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    urls,
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('LL-HLS through a real nginx caching edge (proxy_cache_lock)', { timeout: 180_000 }, () => {
  let dir: string;
  let obs: Obs | undefined;
  let relay: Relay | undefined;
  let counting: Awaited<ReturnType<typeof startCountingProxy>> | undefined;
  let nginx: Nginx | undefined;

  before(async () => {
    requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), 'sharecast-ll-edge-'));
    relay = await startRelay(['--source', join(dir, 'stream.mpd')]);
    obs = startObs({ dir, muxer: 'dash' });
    counting = await startCountingProxy(relay.port);
    const origin = counting.port;
    nginx = await startNginx({
      writableDirs: ['cache'],
      http: ({ listen, dir: own }) => `
  proxy_cache_path ${own}/cache levels=1:2 keys_zone=ll:10m max_size=256m inactive=2m use_temp_path=off;
  upstream origin { server 127.0.0.1:${origin}; keepalive 32; }
  # A playlist load without _HLS_msn is no-cache at the origin: passed straight through. Under the cache lock,
  # requests for an uncacheable URL would go to the origin one after another, each waking up to 500 ms late.
  map $request_uri $plain_playlist {
    "~\.m3u8(\?(?!.*_HLS_msn=).*)?$" 1;
    default 0;
  }
  server {
    listen ${listen};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache ll;
      proxy_cache_bypass $plain_playlist;
      proxy_no_cache $plain_playlist;
      # The query is part of the key: each blocking-reload URL (_HLS_msn, _HLS_part) is a playlist version of its own.
      proxy_cache_key $scheme$proxy_host$request_uri;
      # One request per URL goes to the origin, however many players ask at once; the others wait for its answer…
      proxy_cache_lock on;
      # …for longer than the origin holds a blocking reload (3 target durations).
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_read_timeout 10s;
      add_header X-Cache $upstream_cache_status always;
    }
  }`,
    });
    await waitFor('parts in the video playlist', async () => (await (await relay!.get('/hls/live/media-0.m3u8')).text()).includes('#EXT-X-PART:'), 40_000, 200);
  });

  after(async () => {
    await nginx?.stop();
    await counting?.close();
    await obs?.kill();
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`${PLAYERS} players through the edge: the origin sees about one request per part and per blocking-reload URL`, async () => {
    const base = `${nginx!.url}/hls/live/`;
    const before = counting!.urls.length;
    // A player of our own straight at the origin, bypassing the edge: when each part became public there.
    const direct = followLive({ base: `${relay!.url}/hls/live/`, playlist: 'media-0.m3u8', until: Date.now() + SECONDS * 1000 });
    const [{ stdout, stderr }, atOrigin] = await Promise.all([
      run(process.execPath, ['--import', 'tsx', join('test', 'helpers', 'll-players.ts'), base, 'media-0.m3u8', String(PLAYERS), String(SECONDS)], { timeout: (SECONDS + 60) * 1000, maxBuffer: 64 * 1024 * 1024 }),
      direct,
    ]);
    const report = JSON.parse(stdout) as PlayersReport;
    const seen = counting!.urls.slice(before);
    assert.deepEqual(report.errors, {}, `every answer through the edge is a 200 (players' stderr: ${stderr.slice(-500)}; nginx: ${nginx!.errors().slice(-500)})`);

    const parts = new Set(report.partUris);
    assert.ok(parts.size >= SECONDS * 3, `the players followed the stream: ${parts.size} distinct parts in ${SECONDS} s`);
    assert.ok(report.parts >= PLAYERS * parts.size * 0.8, `each player fetched about every part: ${report.parts} part fetches for ${parts.size} parts and ${PLAYERS} players`);

    const originParts = seen.filter((u) => parts.has(u.split('?')[0]!.split('/').pop()!));
    const blocking = seen.filter((u) => /[?&]_HLS_msn=/.test(u));
    const plain = seen.filter((u) => u.endsWith('/media-0.m3u8'));
    const blockingUrls = new Set(blocking);
    const perPart = originParts.length / parts.size;
    const perBlockingUrl = blocking.length / blockingUrls.size;
    const playerRequests = report.playlists + report.parts;
    console.log(`${PLAYERS} players, ${SECONDS} s: ${playerRequests} requests to the edge; the origin saw ${seen.length}: ` +
      `${originParts.length} part requests for ${parts.size} parts (${perPart.toFixed(2)} per part), ` +
      `${blocking.length} blocking reloads for ${blockingUrls.size} distinct URLs (${perBlockingUrl.toFixed(2)} per URL), ${plain.length} plain playlist loads (players joining; no-cache)`);
    console.log(`edge answers: ${JSON.stringify(report.cache)}; part fetch through the edge p50 ${report.partMsP50.toFixed(0)} ms, p95 ${report.partMsP95.toFixed(0)} ms`);
    const behind = Object.entries(report.partAtMedian).flatMap(([uri, at]) => (atOrigin.partAt[uri] !== undefined ? [at - atOrigin.partAt[uri]!] : [])).sort((a, b) => a - b);
    if (behind.length > 0) {
      console.log(`the median player had a part ${behind[Math.floor(behind.length / 2)]!.toFixed(0)} ms (p50 over parts; p95 ${behind[Math.floor(behind.length * 0.95)]!.toFixed(0)} ms) after a player at the origin did (nginx's cache lock wakes waiting requests every 500 ms at most; ` +
        `players that fall behind, on a busy machine, catch up several parts per playlist: ${blockingUrls.size} blocking-reload URLs for ${parts.size} parts)`);
    }
    assert.ok(perPart <= 1.25, `about one origin request per part: ${originParts.length} for ${parts.size}`);
    assert.ok(perBlockingUrl <= 1.25, `about one origin request per blocking-reload URL: ${blocking.length} for ${blockingUrls.size}`);
    assert.ok(blockingUrls.size <= parts.size * 1.5 + 10, `blocking reloads follow the parts: ${blockingUrls.size} URLs for ${parts.size} parts`);
    assert.ok(plain.length <= PLAYERS + 10, `plain playlist loads only when a player joins (or loses its place): ${plain.length}`);
  });
});
