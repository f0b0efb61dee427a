import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The HTTP rules every part of the server follows, in one place: which paths
 * are open to other sites (CORS), how long a connection may take, and how
 * the server's address is shown. The koa routes (cors.ts, listen.ts), the
 * /hls hot path and the edge workers all take them from here.
 */

/** Response headers a page on another site may read (players need the length, range and validators). */
export const CORS_EXPOSED_HEADERS = 'Content-Length, Content-Range, Content-Type, ETag, Last-Modified, Accept-Ranges';

/** On every answer under an open path: any site may read it; credentials are never allowed cross-origin. */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
});

/** How long a browser may keep a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 86_400;

/** The paths open to other sites: the stream (/hls) and the JSON API (/api), so both can be embedded anywhere. */
export function isCorsPath(path: string): boolean {
  return path.startsWith('/hls/') || path.startsWith('/api/');
}

/** The CORS headers for a request target (path and query), or none. */
export function corsHeadersFor(url: string | undefined): Readonly<Record<string, string>> {
  return url !== undefined && isCorsPath(url) ? CORS_HEADERS : {};
}

/**
 * The answer to a CORS preflight (OPTIONS with Access-Control-Request-*):
 * the methods the path takes, and the request headers asked for (or
 * `defaultHeaders` when none were named).
 */
export function preflightHeaders(methods: string, requested: string | undefined, defaultHeaders: string): Record<string, string> {
  return {
    ...CORS_HEADERS,
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': requested !== undefined && requested !== '' ? requested : defaultHeaders,
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}

/**
 * Connection timeouts, in milliseconds: keep-alive longer than the 60 s that
 * proxies and load balancers typically use (so they never reuse a socket we
 * are closing), and slow headers or bodies cut off (slowloris).
 */
export const SERVER_TIMEOUTS = Object.freeze({ keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 60_000 });

/**
 * Uploads to /ingest (push ingest) stream their body for as long as OBS
 * writes a segment, so node's requestTimeout (the whole request within
 * 60 s) does not apply to them: the ingest handler holds each to a floor
 * rate instead (ingest-handler.ts). Headers still have headersTimeout.
 */
export function isStreamingUpload(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/ingest/');
}

/** The response in flight on each connection, and whether its request is a streaming upload. */
const inFlight = new WeakMap<Duplex, { res: ServerResponse; upload: boolean }>();

/**
 * Applies SERVER_TIMEOUTS to a node:http server (the main process's and each
 * edge worker's). Node cuts off a request whose body takes longer than
 * requestTimeout through 'clientError'; a streaming upload is let through
 * there, and every other client error is answered as node would (408, 431 or
 * 400, then the connection closes).
 */
export function applyServerTimeouts<S extends Server>(server: S): S {
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.set(req.socket, { res, upload: isStreamingUpload(req.url) });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const current = inFlight.get(socket);
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && current?.upload === true) {
      // Still streaming: the floor rate governs it. Answered already (refused early): the rest of its body is not waited for.
      if (!current.res.writableFinished) return;
      socket.destroy(err);
      return;
    }
    if (socket.writable && (current === undefined || current.res.writableFinished || !current.res.headersSent)) {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy(err);
  });
  return server;
}

/**
 * The address to show a person (log line, `url` of a running server):
 * localhost when bound to every interface, IPv6 in brackets.
 */
export function displayUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
