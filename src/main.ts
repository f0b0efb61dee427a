import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/config.js';
import { helpText } from './config/help-text.js';
import { hideCommandLine } from './config/hide-command-line.js';
import { loadConfig } from './config/load-config.js';
import { describeSourceSpec } from './config/source-spec.js';
import { isSharecastError } from './errors.js';
import { ChatHub } from './chat/chat-hub.js';
import { ViewerTokens, loadOrCreateSecret } from './chat/viewer-tokens.js';
import { chatConnectionCap, openFileLimit } from './live/connection-cap.js';
import { PageChannel } from './live/page-channel.js';
import { attachLazyLiveGateway } from './live/lazy-gateway.js';
import { resolveAdminToken } from './http/admin-token.js';
import { createHttpApp } from './http/app.js';
import type { Listening } from './http/listen.js';
import { serveHttp } from './http/serve-http.js';
import { createSource } from './ingest/create-source.js';
import { PushSource } from './ingest/push/push-source.js';
import { resolvePushKeys } from './http/ingest-keys.js';
import { createLogger, type Logger } from './log/logger.js';
import { RelayMetrics } from './metrics/relay-metrics.js';
import { OfflineImageStore } from './site/offline-image-store.js';
import { SiteSettings } from './site/site-settings.js';
import { SlateLibrary } from './site/slate-library.js';
import { TitleStore } from './site/title-store.js';
import { DataDir } from './store/data-dir.js';
import { Stream } from './stream/stream.js';
import { SegmentStore } from './stream/segment-store.js';
import { SequenceStore } from './stream/sequence-store.js';
import { StreamRegistry } from './stream/stream-registry.js';
import { ViewerPresence, presenceKey } from './viewers/viewer-presence.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  streams: StreamRegistry;
  close(): Promise<void>;
}

/** Wires the modules together and starts serving. Throws on bad config or a port in use. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const metrics = new RelayMetrics();
  const store = new SegmentStore({ maxBytes: config.cacheSize });
  metrics.measureCache(() => store.lruBytes);
  const site = new SiteSettings({ title: config.title });
  const streams = new StreamRegistry();
  const pushSources = new Map<string, PushSource>();
  const dataDir = new DataDir(config.data);
  await dataDir.prepare(logger.child({ module: 'store' }));
  const sequences = new SequenceStore(dataDir, logger.child({ module: 'stream' }));
  const slates = new SlateLibrary({ builtinDir: join(ROOT, 'fixtures', 'slate'), customDir: dataDir.folder('offlineSlate'), enabled: config.offlineSlate, logger: logger.child({ module: 'site' }) });
  await slates.init();

  for (const spec of config.sources) {
    const log = logger.child({ module: 'ingest', stream: spec.name });
    const source = await createSource(spec, {
      logger: log,
      poll: config.poll,
      pollIntervalMs: config.pollInterval,
      demoFolder: join(ROOT, 'fixtures', 'demo'),
      push: { maxFileBytes: config.pushMaxFile, maxBytes: config.pushMemory, offlineAfterSeconds: config.offlineAfter },
    });
    if (source instanceof PushSource) pushSources.set(spec.name, source);
    streams.add(
      new Stream({
        slate: () => slates.current(),
        endAfterSeconds: config.endAfter,
        name: spec.name,
        source,
        store,
        runId,
        metrics,
        logger: logger.child({ module: 'stream', stream: spec.name }),
        sequences,
        windowSeconds: config.windowSeconds,
        offlineAfterSeconds: config.offlineAfter,
        lowLatency: config.lowLatency,
      }),
    );
    logger.info({ stream: spec.name, source: describeSourceSpec(spec) }, `stream "${spec.name}" from ${describeSourceSpec(spec)}`);
  }

  const pushKeys = await resolvePushKeys({ streams: [...pushSources.keys()], configured: config.pushKey, file: (stream) => dataDir.pushKey(stream), logger: logger.child({ module: 'ingest' }) });
  const admin = await resolveAdminToken({ adminToken: config.adminToken, file: dataDir.file('adminToken'), logger: logger.child({ module: 'admin' }) });
  const builtinImage = [config.web, join(ROOT, 'web')].map((d) => d && join(d, 'img', 'offline.svg')).find((p) => p && existsSync(p));
  const offlineImage = new OfflineImageStore({
    file: dataDir.file('offlineImage'),
    configuredPath: config.offlineImage,
    builtinPath: builtinImage ?? join(ROOT, 'web', 'img', 'offline.svg'),
    logger: logger.child({ module: 'site' }),
    onChange: (img) => void slates.useImage(img.origin === 'builtin' ? undefined : img.body),
  });
  await offlineImage.init();
  // The slate follows the offline image in use: made from a configured or uploaded one (once, in the background; kept
  // from an earlier run when it is the same image), the built-in slate when there is none (any made before is dropped).
  const shownImage = offlineImage.current();
  void slates.useImage(shownImage.origin === 'builtin' ? undefined : shownImage.body);

  // The page's live channel and chat: the title set through the admin API, viewer tokens, presence, the chat hub.
  const titleStore = new TitleStore(dataDir.file('title'), config.title, logger.child({ module: 'site' }));
  site.update({ title: await titleStore.load() });
  const tokens = new ViewerTokens(await loadOrCreateSecret(dataDir.file('chatSecret')));
  const presence = new ViewerPresence({ playerId: (key) => tokens.keyedId('p-', key) });
  const page = new PageChannel({ site, streams, presence });
  const openFiles = openFileLimit();
  const maxConnections = chatConnectionCap(openFiles);
  const chatLog = logger.child({ module: 'chat' });
  const hub = await ChatHub.open({ dataDir, logger: chatLog, streams, presence, tokens, broadcast: (f) => page.broadcast(f), reservedNames: () => [config.streamerName ?? site.info.title] });
  const liveLog = logger.child({ module: 'live' });
  liveLog.info({ maxConnections, openFiles }, `the live channel accepts up to ${maxConnections} connections (70% of the open-file limit ${openFiles ?? 'unknown'})`);

  const app = createHttpApp({
    logger: logger.child({ module: 'http' }),
    metrics,
    streams,
    site,
    presence,
    hub,
    titleStore,
    offlineImage,
    slate: slates,
    adminToken: admin.token,
    builtinWebDir: join(ROOT, 'web'),
    web: config.web,
    onPlaylistRequest: (client) => presence.playlistRequest(presenceKey(client.ip, client.userAgent)),
    ingest: pushSources.size > 0 ? { streams: pushSources, keys: pushKeys, trustProxy: config.trustProxy } : undefined,
  });
  const server: Listening = await serveHttp(app, { ...config.listen, workers: config.workers, logger: logger.child({ module: 'edge' }) });
  const gateway = attachLazyLiveGateway(server.server, { hub, page, logger: liveLog, maxConnections });
  presence.start();
  await Promise.all(streams.all().map((s) => s.start()));
  logger.info({ url: server.url, port: server.port }, `sharecast listening on ${server.url}`);

  return {
    url: server.url,
    port: server.port,
    config,
    streams,
    close: async () => {
      presence.close();
      gateway.close();
      page.close();
      await hub.close();
      await Promise.all(streams.all().map((s) => s.close()));
      await server.close();
    },
  };
}

/** The command line: `sharecast [flags]`. Resolves with the exit code when the server stops. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const hidden = hideCommandLine();
  let config: Config;
  let warnings: string[];
  try {
    const loaded = loadConfig({ argv, env, cwd: process.cwd() });
    if (loaded.kind === 'help') {
      process.stdout.write(helpText(version()));
      return 0;
    }
    if (loaded.kind === 'version') {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    ({ config, warnings } = loaded);
  } catch (err) {
    process.stderr.write(`sharecast: ${isSharecastError(err) ? err.message : String(err)}\n`);
    return 2;
  }

  const logger = createLogger({ level: config.logLevel });
  for (const w of warnings) logger.warn({ commandLineHidden: hidden }, w);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal({ code: isSharecastError(err) ? err.code : undefined }, message);
    process.stderr.write(`sharecast: ${message}\n`);
    return 2;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => resolve(1), 5000);
      force.unref();
      running.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
