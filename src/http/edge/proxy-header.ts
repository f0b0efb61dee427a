import type { Socket } from 'node:net';
import { createServer, isIPv4, isIPv6, type Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';

/** Longest PROXY protocol v1 line, CRLF included (haproxy's spec). */
const MAX_LINE = 107;

/**
 * The PROXY protocol v1 line that tells the main process who the client of
 * an edge worker's connection is, so chat bans, viewer presence and logs see
 * the real address, not the worker's.
 */
export function proxyLine(client: Socket): string {
  const ip = client.remoteAddress ?? '';
  const family = isIPv4(ip) ? 'TCP4' : isIPv6(ip) ? 'TCP6' : '';
  if (family === '') return 'PROXY UNKNOWN\r\n';
  const local = client.localAddress ?? (family === 'TCP4' ? '127.0.0.1' : '::1');
  return `PROXY ${family} ${ip} ${local} ${client.remotePort ?? 0} ${client.localPort ?? 0}\r\n`;
}

/**
 * A listener (for the main process's private socket) that reads the PROXY
 * line of each connection, makes the socket report the client's address,
 * and hands it to the HTTP server. A connection without a valid line is
 * closed.
 */
export function proxiedListener(http: HttpServer): NetServer {
  return createServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n');
      if (end < 0) {
        if (buf.length > MAX_LINE) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const line = buf.subarray(0, end).toString('latin1');
      const m = /^PROXY TCP[46] (\S+) \S+ (\d{1,5}) \d{1,5}$/.exec(line);
      if (!m && line !== 'PROXY UNKNOWN') {
        socket.destroy();
        return;
      }
      if (m) {
        Object.defineProperty(socket, 'remoteAddress', { value: m[1], configurable: true });
        Object.defineProperty(socket, 'remotePort', { value: Number(m[2]), configurable: true });
      }
      const rest = buf.subarray(end + 2);
      if (rest.length > 0) socket.unshift(rest);
      http.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
}
