import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_NAME_PATTERN } from '../config/source-spec.js';
import { ErrorCode, SharecastError, toSharecastError } from '../errors.js';
import { checkPushPath, type PushPath } from '../ingest/push/push-names.js';
import type { PushUpload } from '../ingest/push/push-upload.js';
import type { Logger } from '../log/logger.js';
import { tokenMatches } from './admin-auth.js';
import { writeJsonError } from './error-response.js';
import type { HlsCounters } from './hls-handler.js';
import { AuthBackoff, basicPassword, clientAddress } from './ingest-auth.js';

/** What the handler needs of a push stream (a PushSource). */
export interface IngestTarget {
  upload(file: PushPath, client: string, declaredLength: number | undefined): PushUpload;
  remove(file: PushPath, client: string): boolean;
}

/** The floor rate: an upload must bring at least this many bytes per second, measured over each window. */
export interface FloorRate {
  bytesPerSecond: number;
  windowMs: number;
}

/** 1 KB/s over 5 s windows: far below the quietest audio rendition (48 kbit/s AAC is 6 KB/s), far above a trickle. */
export const DEFAULT_FLOOR: FloorRate = Object.freeze({ bytesPerSecond: 1000, windowMs: 5000 });

/** After a refusal, the rest of a body is read (and dropped) for at most this long, then the connection is closed. */
const LINGER_MS = 5000;

const METHODS = 'PUT, POST, DELETE';
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="sharecast ingest", charset="UTF-8"' };

export interface IngestHandlerDeps {
  /** The push streams by name. */
  streams: { get(name: string): IngestTarget | undefined };
  /** Each push stream's key (a secret: never logged, never in an answer). */
  keys: { get(name: string): string | undefined };
  /** Take the client's address from X-Forwarded-For (--trust-proxy). */
  trustProxy: boolean;
  logger: Logger;
  metrics: Pick<HlsCounters, 'request'>;
  backoff?: AuthBackoff;
  floor?: FloorRate;
  now?: () => number;
}

/**
 * Push ingest, below koa like /hls: PUT or POST /ingest/NAME/KEY/FILE (or
 * /ingest/NAME/FILE with the key as the password of Basic auth) uploads a
 * file of stream NAME, DELETE removes one. The body goes into the stream's
 * push source chunk by chunk as it arrives (a chunked upload is followable
 * while it comes), nothing is buffered on the way and nothing touches the
 * disk. Every refusal is a JSON error with a stable code. The request path
 * (it holds the key) is never logged or repeated in an answer.
 */
export function createIngestHandler(deps: IngestHandlerDeps) {
  const backoff = deps.backoff ?? new AuthBackoff();
  const floor = deps.floor ?? DEFAULT_FLOOR;
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const warned = new Map<string, number>();

  const refuse = (req: IncomingMessage, res: ServerResponse, err: SharecastError, o: { stream?: string; file?: string; client?: string; headers?: Record<string, string>; close?: boolean } = {}): void => {
    deps.metrics.request('ingest', '4xx');
    log.debug({ code: err.code, stream: o.stream, file: o.file, client: o.client }, `push refused: ${err.message}`);
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    if (o.close) res.once('finish', () => req.socket.destroy());
    writeJsonError(res, err, { ...o.headers, ...(o.close ? { Connection: 'close' } : {}) });
    if (!o.close) linger(req);
  };

  const warnOnce = (key: string, message: string, fields: Record<string, unknown>): void => {
    const t = now();
    if ((warned.get(key) ?? 0) > t - 60_000) return;
    if (warned.size > 1000) warned.clear();
    warned.set(key, t);
    log.warn(fields, message);
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    // Anything under /ingest, however spelled (/Ingest/…, /ingest%2F…): a mistyped URL still holds a key, and koa would log its path.
    if (!url.toLowerCase().startsWith('/ingest')) return false;
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const parts = path.startsWith('/ingest/') ? path.slice('/ingest/'.length).split('/') : [];
    const name = parts[0] ?? '';
    const target = STREAM_NAME_PATTERN.test(name) ? deps.streams.get(name) : undefined;
    if (!target) {
      refuse(req, res, new SharecastError(ErrorCode.NotFound, 'no push stream of that name (start sharecast with --source NAME=push)'));
      return true;
    }
    const method = req.method ?? '';
    if (method !== 'PUT' && method !== 'POST' && method !== 'DELETE') {
      refuse(req, res, new SharecastError(ErrorCode.MethodNotAllowed, `push ingest takes ${METHODS}`), { stream: name, headers: { Allow: METHODS } });
      return true;
    }
    const client = clientAddress(req, deps.trustProxy);
    const wait = backoff.waitFor(client, now());
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      refuse(req, res, new SharecastError(ErrorCode.PushBackoff, `too many wrong stream keys from this address: try again in ${seconds} s`), { stream: name, client, headers: { 'Retry-After': String(seconds) }, close: true });
      return true;
    }
    // The key: the password of Basic auth (then every part is the file), else the first part of the path.
    const rest = parts.slice(1);
    const basic = basicPassword(req.headers.authorization);
    const given = basic ?? (rest.length >= 2 ? rest[0] : undefined);
    if (given === undefined) {
      refuse(req, res, new SharecastError(ErrorCode.PushKeyInvalid, `a stream key is needed: push to /ingest/${name}/KEY/FILE`), { stream: name, client, headers: CHALLENGE });
      return true;
    }
    const expected = deps.keys.get(name);
    if (expected === undefined || !tokenMatches(expected, given)) {
      const blocked = backoff.failed(client, now());
      if (blocked > 0) warnOnce(`key ${client}`, `wrong stream keys from ${client} for push stream "${name}": it waits ${Math.ceil(blocked / 1000)} s before the next try`, { stream: name, client, waitMs: blocked });
      refuse(req, res, new SharecastError(ErrorCode.PushKeyInvalid, `the stream key for "${name}" is wrong`), { stream: name, client, headers: CHALLENGE });
      return true;
    }
    backoff.succeeded(client);
    let file: PushPath;
    try {
      file = checkPushPath(basic !== undefined ? rest : rest.slice(1));
    } catch (err) {
      refuse(req, res, toSharecastError(err, ErrorCode.PushPathInvalid), { stream: name, client });
      return true;
    }
    if (method === 'DELETE') {
      try {
        target.remove(file, client);
      } catch (err) {
        refuse(req, res, toSharecastError(err), { stream: name, file: file.path, client });
        return true;
      }
      deps.metrics.request('ingest', '2xx');
      res.writeHead(204);
      res.end();
      return true;
    }
    receive(req, res, { target, file, client, stream: name });
    return true;
  };

  function receive(req: IncomingMessage, res: ServerResponse, o: { target: IngestTarget; file: PushPath; client: string; stream: string }): void {
    const header = req.headers['content-length'];
    const declared = header === undefined ? undefined : Number(header);
    const where = { stream: o.stream, file: o.file.path, client: o.client };
    let upload: PushUpload;
    try {
      upload = o.target.upload(o.file, o.client, declared);
    } catch (err) {
      const e = toSharecastError(err);
      if (e.code === ErrorCode.PushBusy) warnOnce(`busy ${o.client}`, `push stream "${o.stream}": refused uploads from ${o.client}, another client is pushing`, where);
      refuse(req, res, e, where);
      return;
    }
    let received = 0;
    let checked = 0;
    let settled = false;
    const startedAt = now();
    const fail = (err: SharecastError, close = false): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      upload.abort(err);
      if (err.code === ErrorCode.PushMemoryFull) warnOnce(`memory ${o.stream}`, `push stream "${o.stream}": ${err.message}`, where);
      refuse(req, res, err, { ...where, close });
    };
    // The floor rate (slowloris): too few bytes in a window, and the upload is cut off.
    const timer = setInterval(() => {
      if (received - checked < (floor.bytesPerSecond * floor.windowMs) / 1000) {
        fail(new SharecastError(ErrorCode.PushTooSlow, `the upload brought ${received - checked} bytes in ${floor.windowMs / 1000} s, under the floor of ${floor.bytesPerSecond} bytes/s`), true);
      }
      checked = received;
    }, floor.windowMs);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      if (settled) return;
      try {
        upload.write(chunk);
      } catch (err) {
        fail(toSharecastError(err));
      }
    });
    req.on('end', () => {
      if (settled) return;
      if (!req.complete || (declared !== undefined && received !== declared)) {
        fail(new SharecastError(ErrorCode.PushIncomplete, `the upload ended after ${received} of ${declared ?? 'its'} bytes`));
        return;
      }
      settled = true;
      clearInterval(timer);
      try {
        upload.complete();
      } catch (err) {
        refuse(req, res, toSharecastError(err), where);
        return;
      }
      deps.metrics.request('ingest', '2xx');
      log.trace({ ...where, bytes: received, ms: now() - startedAt }, 'push upload complete');
      res.writeHead(upload.replaces ? 204 : 201, upload.replaces ? {} : { 'Content-Length': '0' });
      res.end();
    });
    req.on('close', () => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      upload.abort(new SharecastError(ErrorCode.PushIncomplete, `the upload broke off after ${received} bytes`));
      log.debug({ ...where, bytes: received }, 'a push upload broke off: it is not published');
    });
  }
}

/** Reads and drops the rest of a refused request's body, for a while: then the connection goes. */
function linger(req: IncomingMessage): void {
  if (req.complete) return;
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
}
