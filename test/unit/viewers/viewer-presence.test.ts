// Presence rules with a fake clock: pages, bare players, expiry, tabs, leaving.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ViewerPresence, presenceKey } from '../../../src/viewers/viewer-presence.js';

function setup(maxPlayers?: number) {
  let now = 1_000_000;
  let changes = 0;
  const p = new ViewerPresence({ playerId: (k) => `p-${k}`, now: () => now, ...(maxPlayers ? { maxPlayers } : {}) });
  p.subscribe(() => changes++);
  return { p, tick: (ms: number) => (now += ms), changes: () => changes };
}

describe('viewer presence', () => {
  it('counts a bare player from its playlist requests and forgets it after 15 s without one', () => {
    const { p, tick } = setup();
    const vlc = presenceKey('10.0.0.2', 'VLC/3.0.20 LibVLC/3.0.20');
    p.playlistRequest(vlc);
    assert.equal(p.count(), 1);
    const [v] = p.list();
    assert.deepEqual({ name: v?.name, chatting: v?.chatting }, { name: null, chatting: false });
    tick(10_000);
    p.playlistRequest(vlc);
    tick(10_000);
    assert.equal(p.count(), 1, 'still requesting: still there');
    tick(5_001);
    assert.equal(p.count(), 0, 'gone after 15 s unseen');
    p.sweep();
    assert.deepEqual(p.list(), []);
  });

  it('tells players apart by address and User-Agent, with stable ids', () => {
    const { p } = setup();
    p.playlistRequest(presenceKey('10.0.0.2', 'VLC'));
    p.playlistRequest(presenceKey('10.0.0.2', 'ffplay'));
    p.playlistRequest(presenceKey('::ffff:10.0.0.3', 'VLC'));
    p.playlistRequest(presenceKey('10.0.0.3', 'VLC'));
    assert.equal(p.count(), 3, '::ffff:10.0.0.3 is 10.0.0.3');
    const ids = p.list().map((v) => v.id);
    assert.equal(new Set(ids).size, 3);
  });

  it('counts a page viewer once, with its own player requests and a second tab', () => {
    const { p } = setup();
    const key = presenceKey('10.0.0.9', 'Firefox/130');
    p.playlistRequest(key); // hls.js on the page may ask before the chat socket is up
    p.pageJoined({ id: 'user-aaaaaaa', name: 'Brave Otter' }, key);
    p.pageJoined({ id: 'user-aaaaaaa', name: 'Brave Otter' }, key);
    p.playlistRequest(key);
    assert.equal(p.count(), 1);
    assert.deepEqual(p.list().map((v) => ({ id: v.id, name: v.name, chatting: v.chatting })), [{ id: 'user-aaaaaaa', name: 'Brave Otter', chatting: true }]);
    p.pageLeft('user-aaaaaaa', key);
    assert.equal(p.count(), 1, 'one tab left');
    p.pageLeft('user-aaaaaaa', key);
    assert.equal(p.count(), 0, 'the page\'s own playlist requests do not keep it as a bare player');
  });

  it('lists page viewers who never chatted, with their names, and follows renames', () => {
    const { p } = setup();
    p.pageJoined({ id: 'a', name: 'Calm Koala' }, presenceKey('1.1.1.1', 'x'));
    p.pageJoined({ id: 'b', name: 'Witty Yak' }, presenceKey('1.1.1.2', 'x'));
    p.pageRenamed('a', 'Alice');
    assert.deepEqual(p.list().map((v) => v.name).sort(), ['Alice', 'Witty Yak']);
  });

  it('reports changes, so the count can be pushed', () => {
    const { p, tick, changes } = setup();
    const k = presenceKey('1.2.3.4', 'VLC');
    p.playlistRequest(k);
    const afterJoin = changes();
    assert.ok(afterJoin >= 1);
    p.playlistRequest(k);
    assert.equal(changes(), afterJoin, 'a known player asking again is no change');
    tick(16_000);
    p.sweep();
    assert.ok(changes() > afterJoin, 'expiry is a change');
  });

  it('bounds the number of bare players it remembers', () => {
    const { p } = setup(100);
    for (let i = 0; i < 1000; i++) p.playlistRequest(presenceKey('9.9.9.9', `spoofed-${i}`));
    assert.equal(p.count(), 100);
  });
});
