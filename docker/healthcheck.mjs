// The image's HEALTHCHECK: exits 0 when sharecast answers GET /healthz with a
// 2xx, 1 otherwise. It reads the address from SHARECAST_LISTEN (the image sets
// 0.0.0.0:8080), so a container that moves the port through that variable
// stays checked. Plain Node, no curl or wget in the slim image.
const listen = process.env.SHARECAST_LISTEN || '0.0.0.0:8080';
const colon = listen.lastIndexOf(':');
const port = (colon >= 0 ? listen.slice(colon + 1) : listen) || '8080';
let host = colon >= 0 ? listen.slice(0, colon) : '';
if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
// A wildcard address is reached through loopback.
if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
if (host === '::') host = '::1';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(8000) });
  await res.body?.cancel();
  if (!res.ok) console.error(`healthcheck: ${url} answered ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: ${url}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
