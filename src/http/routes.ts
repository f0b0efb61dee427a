import type { Middleware } from 'koa';
import serve from 'koa-static';
import type { ChatHub } from '../chat/chat-hub.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { SiteSettings } from '../site/site-settings.js';
import type { SlateStatus } from '../site/slate-library.js';
import type { TitleStore } from '../site/title-store.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import type { ViewerPresence } from '../viewers/viewer-presence.js';
import { adminAuth } from './admin-auth.js';
import { adminChatRoutes } from './admin-chat-routes.js';
import { adminStreamRoutes } from './admin-stream-routes.js';
import { adminTitleRoutes } from './admin-title-routes.js';
import { apiRoutes } from './api-routes.js';
import { chatRoutes } from './chat-routes.js';
import { ingestAdminRoutes, type PushStreamInfo } from './ingest-admin-routes.js';
import type { IngestTarget } from './ingest-handler.js';
import type { PushKey } from './ingest-keys.js';
import type { PlaylistClient } from './hls-handler.js';
import { offlineImageRoutes, type OfflineImageSource } from './offline-image-routes.js';
import { vendorRoutes } from './vendor-routes.js';
import { viewerRoutes } from './viewer-routes.js';

/** What the chat routes need of the hub. */
export type ChatRoutesHub = Pick<ChatHub, 'chatEnabled' | 'history' | 'hide' | 'ban' | 'unban' | 'bans' | 'setChatEnabled'>;

/** Everything the HTTP side is built from: main.ts makes this one object, and nothing else is passed. */
export interface HttpDeps {
  logger: Logger;
  metrics: RelayMetrics;
  streams: StreamRegistry;
  site: SiteSettings;
  presence: Pick<ViewerPresence, 'count' | 'list'>;
  hub: ChatRoutesHub;
  titleStore: Pick<TitleStore, 'save'>;
  offlineImage: OfflineImageSource;
  /** What the admin page says of the offline slate. */
  slate?: { status(): SlateStatus } | undefined;
  /** The token /api/admin/* asks for (src/http/admin-token.ts resolves it). */
  adminToken: string;
  /** The built-in web/ folder. */
  builtinWebDir: string;
  /** The streamer's own copy of it (--web); files missing there come from builtinWebDir. */
  web?: string | undefined;
  /** Told of every playlist request (viewer presence for players without the page); must be cheap. */
  onPlaylistRequest?: ((client: PlaylistClient, stream: string) => void) | undefined;
  /** When the server started (ms since the epoch); default: when the app is made. */
  startedAt?: number;
  /** Push ingest (/ingest/NAME/…): the push streams, their keys, and --trust-proxy. None without push sources. */
  ingest?: IngestDeps | undefined;
}

export interface IngestDeps {
  streams: ReadonlyMap<string, IngestTarget & PushStreamInfo>;
  keys: ReadonlyMap<string, PushKey>;
  trustProxy: boolean;
}

const STATIC_OPTIONS = { index: 'index.html', hidden: false, gzip: false, brotli: false, maxage: 0 };

/**
 * The koa routes, in the order they are tried. The admin guard comes first,
 * so that every /api/admin path, known or not, answers 401 the same way
 * without the token; the web folders come last, so no file can shadow a
 * route. (/hls is answered below koa, see app.ts; errors, CORS and 405s are
 * the frame app.ts puts around this table.)
 */
export function routeTable(deps: HttpDeps): Middleware[] {
  return [
    adminAuth(deps.adminToken),
    apiRoutes({ ...deps, startedAt: deps.startedAt ?? Date.now() }),
    chatRoutes({ hub: deps.hub }),
    viewerRoutes({ presence: deps.presence }),
    adminChatRoutes({ hub: deps.hub }),
    adminTitleRoutes({ site: deps.site, store: deps.titleStore }),
    offlineImageRoutes({ store: deps.offlineImage, slate: deps.slate }),
    adminStreamRoutes({ streams: deps.streams }),
    vendorRoutes(),
    ingestAdminRoutes({ streams: deps.ingest?.streams ?? new Map(), keys: deps.ingest?.keys ?? new Map() }),
    ...(deps.web ? [serve(deps.web, STATIC_OPTIONS)] : []),
    serve(deps.builtinWebDir, STATIC_OPTIONS),
  ];
}
