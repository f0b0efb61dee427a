// node's requestTimeout cuts off a request whose body takes longer than it (60 s in
// http-policy.ts). A chunked upload to /ingest streams for as long as OBS writes a
// segment, so it is let through (the ingest handler holds it to a floor rate instead);
// every other slow request is still cut off with 408. Run on a real server with the
// timeout lowered to 1 s.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { applyServerTimeouts } from '../../../src/http/http-policy.js';

function slowUpload(port: number, path: string, seconds: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    let n = 0;
    const t = setInterval(() => {
      if (req.destroyed) return clearInterval(t);
      req.write(Buffer.alloc(2000));
      if (++n >= seconds * 10) {
        clearInterval(t);
        req.end();
      }
    }, 100);
  });
}

describe('requestTimeout and streaming uploads', { timeout: 30_000 }, () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = applyServerTimeouts(
      createServer({ connectionsCheckingInterval: 200 }, (req, res) => {
        let n = 0;
        req.on('data', (d: Buffer) => (n += d.byteLength));
        req.on('end', () => res.end(`got ${n}`));
      }),
    );
    server.headersTimeout = 500;
    server.requestTimeout = 1000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('lets an upload to /ingest stream for longer than requestTimeout, and cuts any other slow body off with 408', async () => {
    const [ingest, other] = await Promise.all([slowUpload(port, '/ingest/live/KEY/chunk-stream0-00001.m4s', 3), slowUpload(port, '/api/admin/offline-image', 3)]);
    assert.deepEqual(ingest, { status: 200, body: 'got 60000' });
    assert.ok('status' in other ? other.status === 408 : other.error === 'ECONNRESET' || other.error === 'EPIPE', JSON.stringify(other));
  });

  it('still answers a malformed request 400 and closes the connection', async () => {
    const { connect } = await import('node:net');
    const answer = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
  });
});
