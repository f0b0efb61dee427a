import type { SiteSettings } from '../site/site-settings.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import type { ViewerPresence } from '../viewers/viewer-presence.js';
import type { PageWelcome, ServerFrame } from './protocol.js';
import { throttle } from './throttle.js';

/** How the channel reaches one page; the WebSocket gateway provides it. */
export interface PageTransport {
  /** Sends one text frame. Drops the socket instead of buffering without bound. */
  send(frame: Buffer): void;
}

export interface PageChannelOptions {
  site: SiteSettings;
  streams: StreamRegistry;
  presence: ViewerPresence;
  /** Viewer count changes go out at most this often (ms). */
  viewersEveryMs?: number;
}

/**
 * The page's live channel: every open page, and the fan-out to all of them.
 * It pushes what the page shows besides the video (whether the main stream
 * is live, the title, the viewer count) and carries the chat's broadcasts,
 * serialising each frame once for every page.
 */
export class PageChannel {
  readonly #o: PageChannelOptions;
  readonly #pages = new Set<PageTransport>();
  readonly #offs: (() => void)[] = [];
  #viewersSent = -1;
  readonly #viewersChanged: ReturnType<typeof throttle>;

  constructor(o: PageChannelOptions) {
    this.#o = o;
    this.#viewersChanged = throttle(() => {
      const count = o.presence.count();
      if (count === this.#viewersSent) return;
      this.#viewersSent = count;
      this.broadcast({ type: 'viewers', count });
    }, o.viewersEveryMs ?? 1000);
    let title = o.site.info.title;
    this.#offs.push(
      o.presence.subscribe(() => this.#viewersChanged.poke()),
      o.streams.subscribe((e) => {
        if (o.streams.main?.name === e.stream) this.broadcast({ type: 'status', online: e.type === 'online' });
      }),
      o.site.subscribe((info) => {
        if (info.title === title) return;
        title = info.title;
        this.broadcast({ type: 'title', title });
      }),
    );
  }

  /** Pages connected now. */
  get size(): number {
    return this.#pages.size;
  }

  /** The state of things for a page that connects now. */
  welcome(): PageWelcome {
    return { title: this.#o.site.info.title, online: this.#o.streams.main?.online ?? false, viewers: this.#o.presence.count() };
  }

  /** A page joins: it gets every broadcast from now on (send it the welcome first). */
  join(page: PageTransport): void {
    this.#pages.add(page);
  }

  leave(page: PageTransport): void {
    this.#pages.delete(page);
  }

  /** Sends a frame to every page. The frame is serialised once. */
  broadcast(frame: ServerFrame): void {
    const bytes = Buffer.from(JSON.stringify(frame));
    for (const p of this.#pages) p.send(bytes);
  }

  close(): void {
    for (const off of this.#offs) off();
    this.#offs.length = 0;
    this.#viewersChanged.cancel();
    this.#pages.clear();
  }
}
