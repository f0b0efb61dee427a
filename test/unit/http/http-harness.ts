// The HTTP app in this process, with in-memory stand-ins for chat, stores and
// presence: requests go through app.callback() with light-my-request, so no
// port is opened and nothing is written to disk.
import { createHash } from 'node:crypto';
import inject, { type InjectOptions, type Response } from 'light-my-request';
import { createHttpApp, type HttpApp } from '../../../src/http/app.js';
import type { ChatRoutesHub, HttpDeps } from '../../../src/http/routes.js';
import { RelayMetrics } from '../../../src/metrics/relay-metrics.js';
import type { OfflineImage } from '../../../src/site/offline-image-store.js';
import { SiteSettings } from '../../../src/site/site-settings.js';
import { StreamRegistry } from '../../../src/stream/stream-registry.js';
import { nullLogger } from '../../fakes/null-logger.js';

export const ADMIN_TOKEN = 'unit-admin-token-0123456789';
/** A folder that does not exist: the static routes find nothing there, without reading anything. */
export const NO_WEB_DIR = '/nonexistent/sharecast-web';

/** What the chat routes need, in memory, remembering what they were asked. */
export class FakeHub implements ChatRoutesHub {
  chatEnabled = true;
  readonly calls: string[] = [];
  history() {
    return [];
  }
  bans() {
    return [];
  }
  async hide(id: string) {
    this.calls.push(`hide ${id}`);
    return false;
  }
  async ban(userId: string) {
    this.calls.push(`ban ${userId}`);
    return { hidden: 0, disconnected: 0 };
  }
  async unban(userId: string) {
    this.calls.push(`unban ${userId}`);
    return false;
  }
  async setChatEnabled(enabled: boolean) {
    this.calls.push(`chat ${enabled}`);
    this.chatEnabled = enabled;
  }
}

function image(body: Buffer, contentType: OfflineImage['contentType'], origin: OfflineImage['origin']): OfflineImage {
  return { body, contentType, origin, etag: `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`, updatedAt: new Date(0).toISOString() };
}

/** The offline image store's surface, in memory: any non-empty body is taken as a PNG. */
export class FakeOfflineImages {
  readonly maxBytes = 64 * 1024;
  readonly builtin = image(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml', 'builtin');
  #current = this.builtin;
  current() {
    return this.#current;
  }
  async save(body: Buffer) {
    this.#current = image(body, 'image/png', 'uploaded');
    return this.#current;
  }
  async reset() {
    this.#current = this.builtin;
    return this.#current;
  }
}

export interface Harness {
  app: HttpApp;
  hub: FakeHub;
  images: FakeOfflineImages;
  titles: string[];
  site: SiteSettings;
  /** One request through app.callback(), no socket. */
  request(options: InjectOptions): Promise<Response>;
  /** The same with the admin token. */
  admin(options: InjectOptions): Promise<Response>;
}

/** The app with no streams and the fakes above; `deps` overrides any part. */
export function harness(deps: Partial<HttpDeps> = {}): Harness {
  const hub = new FakeHub();
  const images = new FakeOfflineImages();
  const titles: string[] = [];
  const site = new SiteSettings({ title: 'unit stream' });
  const app = createHttpApp({
    logger: nullLogger,
    metrics: new RelayMetrics(),
    streams: new StreamRegistry(),
    site,
    presence: { count: () => 0, list: () => [] },
    hub,
    titleStore: { save: async (t: string) => void titles.push(t) },
    offlineImage: images,
    adminToken: ADMIN_TOKEN,
    builtinWebDir: NO_WEB_DIR,
    startedAt: 0,
    ...deps,
  });
  const dispatch = app.callback();
  const request = (options: InjectOptions) => inject(dispatch, options);
  return {
    app,
    hub,
    images,
    titles,
    site,
    request,
    admin: (options) => request({ ...options, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...options.headers } }),
  };
}

/** The JSON error code of an answer. */
export function errorCode(res: Response): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}
