import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatHub } from '../../src/chat/chat-hub.js';
import type { RateLimitOptions } from '../../src/chat/rate-limiter.js';
import { ViewerTokens } from '../../src/chat/viewer-tokens.js';
import type { FrameBudget } from '../../src/live/frame-reader.js';
import { PageChannel } from '../../src/live/page-channel.js';
import { attachLazyLiveGateway } from '../../src/live/lazy-gateway.js';
import { attachLiveGateway, type LiveGateway } from '../../src/live/ws-gateway.js';
import { SiteSettings } from '../../src/site/site-settings.js';
import { DataDir } from '../../src/store/data-dir.js';
import { StreamRegistry } from '../../src/stream/stream-registry.js';
import { ViewerPresence } from '../../src/viewers/viewer-presence.js';
import { nullLogger } from '../fakes/null-logger.js';
import { makeDataDir, removeDataDir } from './chat-server.js';

export interface GatewaySetup {
  url: string;
  hub: ChatHub;
  page: PageChannel;
  presence: ViewerPresence;
  site: SiteSettings;
  gateway: LiveGateway;
  stop(): Promise<void>;
}

/**
 * The chat hub, page channel and WebSocket gateway on a plain HTTP server
 * on 127.0.0.1 and a free port, with the limits given and a fresh data dir
 * (`lazy`: the gateway main.ts attaches, loaded on the first upgrade).
 */
export async function startGateway(o: { heartbeatMs?: number; maxConnections?: number; frameBudget?: FrameBudget; rate?: RateLimitOptions; lazy?: boolean } = {}): Promise<GatewaySetup> {
  const root = makeDataDir();
  const tokens = new ViewerTokens(randomBytes(32));
  const presence = new ViewerPresence({ playerId: (k) => tokens.keyedId('p-', k) });
  const site = new SiteSettings({ title: 't' });
  const streams = new StreamRegistry();
  const page = new PageChannel({ site, streams, presence, viewersEveryMs: 50 });
  const hub = await ChatHub.open({
    dataDir: new DataDir(root),
    logger: nullLogger,
    streams,
    presence,
    tokens,
    broadcast: (f) => page.broadcast(f),
    reservedNames: () => [],
    ...(o.rate ? { rate: o.rate } : {}),
  });
  const server: Server = createServer((_req, res) => res.end());
  const gateway = (o.lazy ? attachLazyLiveGateway : attachLiveGateway)(server, {
    hub,
    page,
    logger: nullLogger,
    maxConnections: o.maxConnections ?? 100,
    heartbeatMs: o.heartbeatMs ?? 600_000,
    maxBufferedBytes: 64 * 1024,
    ...(o.frameBudget ? { frameBudget: o.frameBudget } : {}),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hub,
    page,
    presence,
    site,
    gateway,
    stop: async () => {
      gateway.close();
      page.close();
      await hub.close();
      await new Promise((r) => server.close(r));
      removeDataDir(root);
    },
  };
}
