import { ChangeSignal } from '../../stream/change-signal.js';
import type { StoredBody } from '../../stream/segment-store.js';
import type { RenderedPlaylist } from '../../stream/served-playlist.js';
import type { ServableStream } from '../hls-handler.js';
import type { ToEdge } from './edge-messages.js';

class ReplicaStream implements ServableStream {
  current: RenderedPlaylist | undefined;
  readonly bodies = new Map<string, StoredBody>();

  playlist(): RenderedPlaylist | undefined {
    return this.current;
  }

  lookup(file: string): StoredBody | undefined {
    return this.bodies.get(file);
  }

  readonly changed = new ChangeSignal();

  waitForChange(wake: () => void): () => void {
    return this.changed.wait(wake);
  }
}

/** IPC copies arrive as Uint8Array; serve them as Buffers without copying again. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
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
        s.current = m.playlist && { ...m.playlist, body: asBuffer(m.playlist.body) };
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
