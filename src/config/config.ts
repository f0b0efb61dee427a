import type { LogLevel } from '../log/logger.js';
import type { SourceSpec } from './source-spec.js';

/** The validated settings main.ts wires the server from. Paths are absolute. */
export interface Config {
  sources: SourceSpec[];
  listen: { host: string; port: number };
  dataDir: string;
  configFile: string | undefined;
  title: string;
  /** Reserved in chat, with admin, moderator and system. */
  streamerName: string | undefined;
  offlineImage: string | undefined;
  poll: boolean;
  pollIntervalMs: number;
  windowSeconds: number;
  offlineAfterSeconds: number;
  cacheBytes: number;
  webDir: string | undefined;
  adminToken: string | undefined;
  /** Extra processes answering /hls on the public port (0: none). */
  workers: number;
  logLevel: LogLevel;
}
