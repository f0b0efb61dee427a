// The image's HEALTHCHECK: exits 0 when sharecast answers GET /healthz with a
// 2xx, 1 otherwise. It reads the address from SHARECAST_LISTEN (the image sets
// 0.0.0.0:8080), so a container that moves the port through that variable
// stays checked. Plain node:http: no curl or wget in the slim image, and it
// starts faster and lighter than fetch on a small board, every 30 s.
import { get } from 'node:http';

const listen = process.env.SHARECAST_LISTEN || '0.0.0.0:8080';
const colon = listen.lastIndexOf(':');
const port = Number((colon >= 0 ? listen.slice(colon + 1) : listen) || 8080);
let host = colon >= 0 ? listen.slice(0, colon) : '';
if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
// A wildcard address is reached through loopback.
if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
if (host === '::') host = '::1';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;

const fail = (why) => {
  console.error(`healthcheck: ${url}: ${why}`);
  process.exit(1);
};
const req = get({ host, port, path: '/healthz', timeout: 9000 }, (res) => {
  res.resume();
  const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
  if (!ok) fail(`answered ${res.statusCode}`);
  process.exit(0);
});
req.on('timeout', () => req.destroy(new Error('no answer within 9 s')));
req.on('error', (err) => fail(err.message));
