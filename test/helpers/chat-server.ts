import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../../src/main.js';
import { startRelay } from './relay.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ChatServer extends RunningServer {
  dataDir: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  /** JSON from a GET. */
  json<T = any>(path: string): Promise<T>;
  /** An admin request with the test token. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

/** A fresh temp data dir (removed by `removeDataDir`). */
export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'sharecast-chat-'));
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The real server in this process on 127.0.0.1 and a free port, with the
 * demo stream and the test admin token. Pass the same data dir again to
 * "restart" it.
 */
export async function startChatServer(dataDir: string, args: string[] = []): Promise<ChatServer> {
  const argv = ['--admin-token', TEST_ADMIN_TOKEN, ...args];
  if (!args.includes('--source')) argv.push('--source', 'demo');
  const server = await startRelay(argv, { dataDir });
  const get = server.get;
  return {
    ...server,
    dataDir,
    get,
    json: async (path) => {
      const res = await get(path);
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    },
    admin: (method, path, body) =>
      get(path, {
        method,
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
  };
}
