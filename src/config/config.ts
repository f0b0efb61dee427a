import type { LogLevel } from '../log/logger.js';
import type { PushKeys } from './schema.js';
import type { SourceSpec } from './source-spec.js';

/**
 * The validated settings main.ts wires the server from. Each field has the
 * name of its key in the options table (options.ts) and in the config file;
 * the schema (schema.ts) has converted the value once (a size to bytes, a
 * path to an absolute one), and the modules that take a setting use the
 * same name. smbPassword has no field: it is folded into the smb:// sources.
 */
export interface Config {
  /** --source: the streams to serve, parsed (with smbPassword filled in where the URI had none). */
  sources: SourceSpec[];
  /** --listen */
  listen: { host: string; port: number };
  /** --data: the data folder, absolute. */
  data: string;
  /** --config: the config file that was read, absolute; undefined when none. */
  config: string | undefined;
  /** --title */
  title: string;
  /** --streamer-name: reserved in chat, with admin, moderator and system. */
  streamerName: string | undefined;
  /** --offline-image: an image file, absolute. */
  offlineImage: string | undefined;
  /** --poll */
  poll: boolean;
  /** --poll-interval, in milliseconds. */
  pollInterval: number;
  /** --window, in seconds. */
  windowSeconds: number;
  /** --offline-after, in seconds. */
  offlineAfter: number;
  /** --cache-size, in bytes ("160MiB" has become 167772160). */
  cacheSize: number;
  /** --web: the streamer's copy of the web folder, absolute. */
  web: string | undefined;
  /** --admin-token (a secret: never logged). */
  adminToken: string | undefined;
  /** --offline-slate: the slate while OBS is away (else ENDLIST at the offline timeout). */
  offlineSlate: boolean;
  /** --end-after: seconds of OBS away after which the playlist ends. */
  endAfter: number;
  /** --low-latency: LL-HLS parts when the source writes chunked CMAF. */
  lowLatency: boolean;
  /** --workers: extra processes answering /hls on the public port (0: none). */
  workers: number;
  /** --log-level */
  logLevel: LogLevel;
  /** --push-key: stream keys for push sources, as given (secrets: never logged); undefined when none is set. */
  pushKey: PushKeys | undefined;
  /** --trust-proxy: push ingest takes the client's address from X-Forwarded-For. */
  trustProxy: boolean;
  /** --push-max-file, in bytes. */
  pushMaxFile: number;
  /** --push-memory, in bytes (per push stream). */
  pushMemory: number;
}
