import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHlsHandler, type ServableStream } from '../../../src/http/hls-handler.js';
import { ChangeSignal } from '../../../src/stream/change-signal.js';
import { makeBody, type StoredBody } from '../../../src/stream/segment-store.js';
import type { RenderedPlaylist } from '../../../src/stream/served-playlist.js';
import { FakeResponse, fakeRequest } from '../../fakes/fake-http.js';

const NOW = Date.UTC(2026, 11, 1);

/** A stream whose playlist and bodies the test sets by hand. */
class HandStream implements ServableStream {
  current: RenderedPlaylist | undefined;
  readonly bodies = new Map<string, StoredBody>();
  readonly changed = new ChangeSignal();

  playlist(): RenderedPlaylist | undefined {
    return this.current;
  }

  lookup(file: string): StoredBody | undefined {
    return this.bodies.get(file);
  }

  waitForChange(wake: () => void): () => void {
    return this.changed.wait(wake);
  }

  preloadHints(): string[] {
    return this.current?.preloadHint !== undefined ? [this.current.preloadHint] : [];
  }

  /** A new playlist version at live edge `lastMsn` (with `parts` parts of the next segment). */
  show(lastMsn: number, o: { parts?: number; hint?: string; canBlock?: boolean; holdLimitMs?: number } = {}): void {
    const body = Buffer.from(`#EXTM3U\n#lastMsn ${lastMsn} parts ${o.parts ?? 0}\n`);
    this.current = {
      body,
      etag: `"v${lastMsn}.${o.parts ?? 0}"`,
      cacheControl: 'no-cache',
      lastModified: new Date(NOW).toUTCString(),
      edge: { lastMsn, lastSegmentParts: 4, partsInProgress: o.parts ?? 0, endList: false, canBlockReload: o.canBlock ?? true },
      holdLimitMs: o.holdLimitMs ?? 3000,
      ...(o.hint !== undefined ? { preloadHint: o.hint } : {}),
    };
    this.changed.notify();
  }

  addBody(name: string, text: string): void {
    this.bodies.set(name, makeBody(name, Buffer.from(text), NOW));
    this.changed.notify();
  }
}

function setup() {
  const stream = new HandStream();
  const requests: string[] = [];
  const handler = createHlsHandler({
    streams: { get: (n) => (n === 'live' ? stream : undefined) },
    metrics: { request: (route, status) => requests.push(`${route} ${status}`), served: () => undefined },
  });
  const get = (url: string) => {
    const res = new FakeResponse();
    assert.equal(handler(fakeRequest(url), res.asResponse()), true);
    return res;
  };
  return { stream, get, requests };
}

describe('/hls handler: blocking playlist reload', () => {
  it('answers at once what the current playlist holds', () => {
    const { stream, get } = setup();
    stream.show(10, { parts: 2 });
    for (const q of ['', '?_HLS_msn=10', '?_HLS_msn=11&_HLS_part=1', '?_HLS_msn=3']) {
      const res = get(`/hls/live/index.m3u8${q}`);
      assert.equal(res.statusCode, 200, q);
      assert.match(res.text, /lastMsn 10 parts 2/);
    }
  });

  it('holds a request for a later segment or part, and answers it from the version that has it', () => {
    const { stream, get } = setup();
    stream.show(10, { parts: 2 });
    const part = get('/hls/live/index.m3u8?_HLS_msn=11&_HLS_part=2');
    const seg = get('/hls/live/index.m3u8?_HLS_msn=12');
    assert.equal(part.ended, false);
    stream.show(10, { parts: 3 });
    assert.equal(part.statusCode, 200);
    assert.match(part.text, /lastMsn 10 parts 3/);
    assert.equal(seg.ended, false, 'still waiting for segment 12');
    stream.show(11);
    assert.equal(seg.ended, false);
    stream.show(12);
    assert.match(seg.text, /lastMsn 12/);
    assert.equal(stream.changed.waiting, 0);
  });

  it('releases a thousand held requests with one change, all from the one rendered playlist', () => {
    const { stream, get } = setup();
    stream.show(10);
    const held = Array.from({ length: 1000 }, () => get('/hls/live/index.m3u8?_HLS_msn=11'));
    assert.equal(stream.changed.waiting, 1000);
    stream.show(11);
    assert.ok(held.every((r) => r.statusCode === 200 && r.text === held[0]?.text));
    assert.equal(stream.changed.waiting, 0);
  });

  it('refuses _HLS_msn more than two segments past the edge, and _HLS_part alone, with 400', () => {
    const { stream, get } = setup();
    stream.show(10);
    for (const q of ['_HLS_msn=13', '_HLS_part=1', '_HLS_msn=abc']) {
      const res = get(`/hls/live/index.m3u8?${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.equal(JSON.parse(res.text).error.code, 'bad_request');
    }
  });

  it('ignores the directives of a playlist that cannot block', () => {
    const { stream, get } = setup();
    stream.show(10, { canBlock: false });
    const res = get('/hls/live/index.m3u8?_HLS_msn=12');
    assert.equal(res.statusCode, 200);
  });

  it('answers 503 when nothing came within the hold limit', async () => {
    const { stream, get, requests } = setup();
    stream.show(10, { holdLimitMs: 20 });
    const res = get('/hls/live/index.m3u8?_HLS_msn=11');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(res.statusCode, 503);
    assert.equal(JSON.parse(res.text).error.code, 'hold_timeout');
    assert.equal(stream.changed.waiting, 0);
    assert.ok(requests.includes('playlist 5xx'));
  });

  it('stops waiting for a viewer who went away', () => {
    const { stream, get } = setup();
    stream.show(10);
    const res = get('/hls/live/index.m3u8?_HLS_msn=11');
    res.closeByClient();
    assert.equal(stream.changed.waiting, 0);
    stream.show(11);
    assert.equal(res.statusCode, 0, 'nothing written to a closed response');
  });
});

describe('/hls handler: preload hint', () => {
  it('holds a request for the hinted part until it is complete', () => {
    const { stream, get } = setup();
    stream.show(10, { parts: 1, hint: 'r-11.1.m4s' });
    const res = get('/hls/live/r-11.1.m4s');
    assert.equal(res.ended, false);
    stream.addBody('r-11.1.m4s', 'moof+mdat');
    assert.equal(res.statusCode, 200);
    assert.equal(res.text, 'moof+mdat');
  });

  it('answers 404 at once for a file that is neither stored nor hinted', () => {
    const { stream, get } = setup();
    stream.show(10, { parts: 1, hint: 'r-11.1.m4s' });
    assert.equal(get('/hls/live/r-11.2.m4s').statusCode, 404);
    assert.equal(get('/hls/live/r-9.m4s').statusCode, 404);
  });

  it('answers 404 when the hinted part was given up (the playlist moved on without it)', () => {
    const { stream, get } = setup();
    stream.show(10, { parts: 1, hint: 'r-11.1.m4s' });
    const res = get('/hls/live/r-11.1.m4s');
    stream.show(11, { hint: 'r-12.0.m4s' });
    assert.equal(res.statusCode, 404);
  });
});
