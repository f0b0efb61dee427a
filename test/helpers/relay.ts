import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/main.js';

export interface Relay extends RunningServer {
  dataDir: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  playlist(stream?: string): Promise<RelayPlaylist | undefined>;
  status(): Promise<StatusBody>;
  stop(): Promise<void>;
}

export interface RelayPlaylist {
  text: string;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  endList: boolean;
  segments: Array<{ uri: string; duration: number; discontinuity: boolean; msn: number; map?: string }>;
}

export interface StatusBody {
  online: boolean;
  title: string;
  streams: Record<string, { online: boolean; slate?: string | null; ended?: boolean; source: { state: string; error?: { code: string; message: string } }; mediaSequence: number }>;
}

/** Starts sharecast in this process on 127.0.0.1 and a free port, with a temp data dir. */
export async function startRelay(args: string[], options: { logLevel?: string; dataDir?: string } = {}): Promise<Relay> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sharecast-data-'));
  const loaded = loadConfig({ argv: ['--listen', '127.0.0.1:0', '--data', dataDir, ...args], env: {}, cwd: process.cwd() });
  if (loaded.kind !== 'config') throw new Error('no config');
  const logger = createLogger({ level: (options.logLevel ?? process.env['SHARECAST_TEST_LOG'] ?? 'silent') as 'silent' });
  const server = await startServer(loaded.config, logger);
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  return {
    ...server,
    dataDir,
    get,
    playlist: async (stream = 'live') => {
      const res = await get(`/hls/${stream}/index.m3u8`);
      if (res.status !== 200) {
        await res.arrayBuffer();
        return undefined;
      }
      return parseRelayPlaylist(await res.text());
    },
    status: async () => (await (await get('/api/status')).json()) as StatusBody,
    stop: async () => {
      await server.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parses the relay's playlist with m3u8-parser (a parser nobody here wrote). */
export function parseRelayPlaylist(text: string): RelayPlaylist {
  const p = new Parser();
  p.push(text);
  p.end();
  const m = p.manifest as {
    targetDuration: number;
    mediaSequence?: number;
    discontinuitySequence?: number;
    endList?: boolean;
    segments: Array<{ uri: string; duration: number; discontinuity?: boolean; map?: { uri: string } }>;
  };
  const ms = m.mediaSequence ?? 0;
  return {
    text,
    targetDuration: m.targetDuration,
    mediaSequence: ms,
    discontinuitySequence: m.discontinuitySequence ?? 0,
    endList: m.endList === true,
    segments: m.segments.map((s, i) => ({
      uri: s.uri,
      duration: s.duration,
      discontinuity: s.discontinuity === true,
      msn: ms + i,
      ...(s.map ? { map: s.map.uri } : {}),
    })),
  };
}
