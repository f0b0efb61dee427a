import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageChannel } from '../../../src/live/page-channel.js';
import { SiteSettings } from '../../../src/site/site-settings.js';
import type { StreamEvent } from '../../../src/stream/republisher.js';
import type { Stream } from '../../../src/stream/stream.js';
import { StreamRegistry } from '../../../src/stream/stream-registry.js';
import { ViewerPresence } from '../../../src/viewers/viewer-presence.js';

/** A stream that only has what the page channel looks at: its name, whether it is live, its events. */
function fakeStream(name: string) {
  const listeners = new Set<(e: StreamEvent) => void>();
  const s = {
    name,
    online: false,
    subscribe: (l: (e: StreamEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(type: 'online' | 'offline') {
      s.online = type === 'online';
      for (const l of listeners) l({ type, stream: name, at: Date.now() } as StreamEvent);
    },
  };
  return s;
}

function setup() {
  const site = new SiteSettings({ title: 'first' });
  const streams = new StreamRegistry();
  const main = fakeStream('live');
  const other = fakeStream('backup');
  streams.add(main as unknown as Stream);
  streams.add(other as unknown as Stream);
  const presence = new ViewerPresence({ playerId: (k) => `p-${k.length}` });
  const page = new PageChannel({ site, streams, presence, viewersEveryMs: 20 });
  const received: unknown[] = [];
  const tab = { send: (b: Buffer) => received.push(JSON.parse(b.toString())) };
  return { site, main, other, presence, page, received, tab };
}

describe('page channel', () => {
  it('welcomes a page with the title, whether the main stream is live, and the viewer count', () => {
    const { page, main, presence } = setup();
    presence.pageJoined({ id: 'u1', name: 'A' }, 'k1');
    main.emit('online');
    assert.deepEqual(page.welcome(), { title: 'first', online: true, viewers: 1 });
    page.close();
  });

  it('tells every page when the main stream goes live or ends, and nothing for the others', () => {
    const { page, main, other, received, tab } = setup();
    page.join(tab);
    main.emit('online');
    other.emit('online');
    main.emit('offline');
    assert.deepEqual(received, [
      { type: 'status', online: true },
      { type: 'status', online: false },
    ]);
    page.close();
  });

  it('sends a changed title once, and nothing when it did not change', () => {
    const { page, site, received, tab } = setup();
    page.join(tab);
    site.update({ title: 'first' });
    site.update({ title: 'second' });
    site.update({ title: 'second' });
    assert.deepEqual(received, [{ type: 'title', title: 'second' }]);
    page.close();
  });

  it('sends viewer counts, folding a burst of changes into one', async () => {
    const { page, presence, received, tab } = setup();
    page.join(tab);
    for (let i = 0; i < 5; i++) presence.pageJoined({ id: `u${i}`, name: `N${i}` }, `k${i}`);
    const counts = () => received.filter((f) => (f as { type: string }).type === 'viewers');
    for (let i = 0; i < 200 && (counts().at(-1) as { count?: number } | undefined)?.count !== 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(counts().at(-1), { type: 'viewers', count: 5 });
    assert.ok(counts().length < 5, `${counts().length} frames for 5 changes`);
    page.close();
  });

  it('serialises a broadcast once for every page, and stops sending to a page that left', () => {
    const { page } = setup();
    const got: Buffer[][] = [[], [], []];
    const tabs = got.map((g) => ({ send: (b: Buffer) => g.push(b) }));
    for (const t of tabs) page.join(t);
    page.broadcast({ type: 'pong' });
    page.leave(tabs[2] as (typeof tabs)[number]);
    page.broadcast({ type: 'title', title: 'x' });
    assert.equal(got[0]?.[0], got[1]?.[0], 'the same bytes');
    assert.deepEqual(got.map((g) => g.length), [2, 2, 1]);
    assert.equal(page.size, 2);
    page.close();
  });
});
