import { randomBytes } from 'node:crypto';
import { PUSH_KEY_PATTERN, type PushKeys } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { DataFile } from '../store/data-dir.js';

/** Where a push stream's key came from. */
export type PushKeyOrigin = 'config' | 'stored' | 'generated';

export interface PushKey {
  stream: string;
  /** A secret: never logged, never in /api/status or /metrics; the admin API shows it. */
  key: string;
  origin: PushKeyOrigin;
}

export interface PushKeysInput {
  /** The push streams, by name. */
  streams: readonly string[];
  /** --push-key / SHARECAST_PUSH_KEY / the config file, if set. */
  configured: PushKeys | undefined;
  /** The data dir's push-keys/NAME file for a stream. */
  file: (stream: string) => Promise<DataFile>;
  logger: Logger;
  /** Where the one human line with a newly generated key goes (stderr). */
  print?: (line: string) => void;
}

/**
 * Each push stream's key: its own from the config; else the one for every
 * push stream; else the one stored in the data dir (push-keys/NAME); else a
 * new one, stored there (0600) and printed once on stderr, like the admin
 * token. The keys never go into the JSON log.
 */
export async function resolvePushKeys(input: PushKeysInput): Promise<Map<string, PushKey>> {
  const out = new Map<string, PushKey>();
  const print = input.print ?? ((line: string) => process.stderr.write(line));
  for (const stream of input.streams) {
    const configured = input.configured?.perStream[stream] ?? input.configured?.all;
    if (configured !== undefined) {
      out.set(stream, { stream, key: configured, origin: 'config' });
      continue;
    }
    const file = await input.file(stream);
    let stored: string | undefined;
    try {
      stored = (await file.readText())?.trim();
    } catch (err) {
      throw new Error(`cannot read the stream key of "${stream}" in ${file.path}: ${(err as Error).message}`);
    }
    if (stored !== undefined && PUSH_KEY_PATTERN.test(stored)) {
      input.logger.info({ stream, file: file.path }, `push stream "${stream}": stream key from ${file.path}`);
      out.set(stream, { stream, key: stored, origin: 'stored' });
      continue;
    }
    const key = randomBytes(24).toString('base64url');
    await file.write(`${key}\n`);
    print(
      `\nsharecast: generated a stream key for push stream "${stream}" (stored in ${file.path}; shown only this once, and on the admin page):\n\n    ${key}\n\n` +
        `In OBS (Custom Output (FFmpeg), Output to URL): http://THIS-SERVER:PORT/ingest/${stream}/${key}/stream.m3u8\n\n`,
    );
    input.logger.info({ stream, file: file.path }, `push stream "${stream}": stream key generated and stored in ${file.path}`);
    out.set(stream, { stream, key, origin: 'generated' });
  }
  return out;
}
