import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { capturingLogger } from '../fakes/capturing-logger.js';

export const PUSH_KEY = 'test-push-key-4f8Qz1xV9kLm';
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface PushRelay extends RunningServer {
  dataDir: string;
  /** Where ffmpeg pushes stream `name`, key included: http://127.0.0.1:PORT/ingest/NAME/KEY. */
  ingestUrl(name?: string): string;
  get(path: string, init?: RequestInit): Promise<Response>;
  text(path: string): Promise<{ status: number; text: string }>;
  bytes(path: string): Promise<{ status: number; bytes: Buffer }>;
  /** GET /api/admin/push with the admin token. */
  adminPush(): Promise<{ streams: Array<{ name: string; key: string; keyOrigin: string; paths: { hls: string; dash: string }; pusher: { address: string; lastSeen: string; uploading: number } | null }> }>;
  /** Every log line so far (trace level), as written. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * sharecast in this process with push sources (`--source live=push` unless
 * other sources are given), on 127.0.0.1 and a free port, a temp data dir,
 * the test key and admin token, and every log line kept (at trace level) so
 * a test can look for a leaked key.
 */
export async function startPushRelay(args: string[] = [], o: { keyArgs?: string[] } = {}): Promise<PushRelay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharecast-push-'));
  const sources = args.includes('--source') ? [] : ['--source', 'live=push'];
  const argv = ['--listen', '127.0.0.1:0', '--data', dataDir, ...sources, ...(o.keyArgs ?? [])];
  const env = { SHARECAST_ADMIN_TOKEN: ADMIN_TOKEN, ...(o.keyArgs ? {} : { SHARECAST_PUSH_KEY: PUSH_KEY }) };
  const loaded = loadConfig({ argv: [...argv, ...args], env, cwd: process.cwd() });
  if (loaded.kind !== 'config') throw new Error('no config');
  const log = capturingLogger('trace');
  const server = await startServer(loaded.config, log.logger);
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  return {
    ...server,
    dataDir,
    ingestUrl: (name = 'live') => `${server.url}/ingest/${name}/${PUSH_KEY}`,
    get,
    text: async (path) => {
      const res = await get(path);
      return { status: res.status, text: await res.text() };
    },
    bytes: async (path) => {
      const res = await get(path);
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    },
    adminPush: async () => (await (await get('/api/admin/push', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as Awaited<ReturnType<PushRelay['adminPush']>>,
    logs: log.text,
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The connection was reset or closed before (or instead of) an answer. */
  error?: string;
}

/**
 * One upload with node:http, as ffmpeg would send it: `body` all at once
 * (with Content-Length unless `chunked`), or `pieces` written one after the
 * other every `everyMs` (chunked). `localAddress` picks another loopback
 * address to come from (127.0.0.2 is a second pusher).
 */
export function rawUpload(
  url: string,
  o: { method?: string; body?: Buffer | string; chunked?: boolean; pieces?: Buffer[]; everyMs?: number; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<RawAnswer> {
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  const chunked = o.chunked === true || o.pieces !== undefined;
  const headers: Record<string, string> = { ...o.headers };
  if (chunked) headers['Transfer-Encoding'] = 'chunked';
  else if (body !== undefined && headers['Content-Length'] === undefined) headers['Content-Length'] = String(body.byteLength);
  const { req, answer, answered } = sendRequest(url, { method: o.method, headers, localAddress: o.localAddress });
  if (o.pieces === undefined) {
    req.end(body);
    return answer;
  }
  const pieces = [...o.pieces];
  const next = () => {
    if (req.destroyed || answered()) return;
    const p = pieces.shift();
    if (p === undefined) {
      req.end();
      return;
    }
    req.write(p);
    setTimeout(next, o.everyMs ?? 0);
  };
  next();
  return answer;
}

/** An upload held open: write to it when you like, then end or break it off. */
export interface OpenUpload {
  write(bytes: Buffer | string): void;
  end(): void;
  /** Breaks the connection off, as a killed ffmpeg would. */
  breakOff(): void;
  /** sharecast's answer (or the error that came instead). */
  answer: Promise<RawAnswer>;
}

/** Starts a chunked upload and leaves it open (node:http, no agent: its own connection). */
export function openUpload(url: string, o: { localAddress?: string; method?: string } = {}): OpenUpload {
  const { req, answer } = sendRequest(url, { method: o.method, headers: { 'Transfer-Encoding': 'chunked' }, localAddress: o.localAddress });
  req.flushHeaders();
  return {
    write: (b) => {
      if (!req.destroyed) req.write(b);
    },
    end: () => req.end(),
    breakOff: () => req.destroy(),
    answer,
  };
}

/** A request on its own connection, and its answer (or the error that came instead), settled once. */
function sendRequest(url: string, o: { method: string | undefined; headers: Record<string, string>; localAddress: string | undefined }) {
  // Not new URL(): it would fold "%2e%2e" and ".." away, and the tests send them as written.
  const u = rawTarget(url);
  let settled = false;
  let resolve!: (a: RawAnswer) => void;
  const answer = new Promise<RawAnswer>((r) => (resolve = r));
  const done = (a: RawAnswer) => {
    if (settled) return;
    settled = true;
    resolve(a);
  };
  const req = request({ host: u.host, port: u.port, path: u.path, method: o.method ?? 'PUT', headers: o.headers, agent: false, ...(o.localAddress ? { localAddress: o.localAddress } : {}) }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    const finish = () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text });
    res.on('end', finish);
    res.on('error', finish);
  });
  req.on('error', (err: NodeJS.ErrnoException) => done({ status: 0, headers: {}, body: '', error: err.code ?? err.message }));
  return { req, answer, answered: () => settled };
}

/** Host, port and path of an http:// URL, the path exactly as written. */
function rawTarget(url: string): { host: string; port: number; path: string } {
  const m = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url);
  if (!m) throw new Error(`not an http://HOST:PORT/PATH URL: ${url}`);
  return { host: m[1] as string, port: Number(m[2]), path: m[3] as string };
}
