import { ChangeSignal } from '../../stream/change-signal.js';
import type { StoredBody } from '../../stream/segment-store.js';
import type { RenderedPlaylist } from '../../stream/served-playlist.js';
import type { ServableStream } from '../hls-handler.js';
import type { ToEdge } from './edge-messages.js';

class ReplicaStream implements ServableStream {
  readonly playlists = new Map<string, RenderedPlaylist>();
  readonly bodies = new Map<string, StoredBody>();

  playlist(file: string): RenderedPlaylist | undefined {
    return this.playlists.get(file);
  }

  lookup(file: string): StoredBody | undefined {
    return this.bodies.get(file);
  }

  readonly changed = new ChangeSignal();

  preloadHints(): string[] {
    const hints: string[] = [];
    for (const p of this.playlists.values()) if (p.preloadHint !== undefined) hints.push(p.preloadHint);
    return hints;
  }

  waitForChange(wake: () => void): () => void {
    return this.changed.wait(wake);
  }
}

/** IPC copies arrive as Uint8Array; serve them as Buffers without copying again. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A rendered playlist as it arrives over IPC: its bodies as Buffers again. */
function revive(p: RenderedPlaylist): RenderedPlaylist {
  const out: RenderedPlaylist = { ...p, body: asBuffer(p.body) };
  if (p.blocking) out.blocking = { ...p.blocking, body: asBuffer(p.blocking.body) };
  if (p.delta) out.delta = { ...p.delta, body: asBuffer(p.delta.body) };
  if (p.deltaBlocking) out.deltaBlocking = { ...p.deltaBlocking, body: asBuffer(p.deltaBlocking.body) };
  return out;
}

/**
 * An edge worker's copy of what the main process publishes: each stream's
 * rendered playlist and its live window's bodies. Anything else (older
 * segments in the main cache, unknown paths) the worker passes on.
 */
export class EdgeReplica {
  readonly #streams = new Map<string, ReplicaStream>();

  get(name: string): ServableStream | undefined {
    return this.#streams.get(name);
  }

  apply(m: ToEdge): void {
    if (m.type === 'streams') {
      for (const n of m.names) if (!this.#streams.has(n)) this.#streams.set(n, new ReplicaStream());
      return;
    }
    let s = this.#streams.get(m.stream);
    if (!s) {
      s = new ReplicaStream();
      this.#streams.set(m.stream, s);
    }
    switch (m.type) {
      case 'playlist':
        if (m.playlist) s.playlists.set(m.file, revive(m.playlist));
        else s.playlists.delete(m.file);
        break;
      case 'body':
        s.bodies.set(m.name, { ...m.body, bytes: asBuffer(m.body.bytes) });
        break;
      case 'unpin':
        for (const n of m.names) s.bodies.delete(n);
        return;
    }
    s.changed.notify();
  }
}
