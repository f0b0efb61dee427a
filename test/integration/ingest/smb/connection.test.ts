// The SMB2 transport against a scripted peer on 127.0.0.1: framing, compound
// chains, STATUS_PENDING, deadlines, signature checks and credits: the cases
// a real smbd will not produce on demand.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { Command, HeaderFlag, NtStatus } from '../../../../src/ingest/smb/constants.js';
import { SmbConnection } from '../../../../src/ingest/smb/connection.js';
import { SmbError } from '../../../../src/ingest/smb/errors.js';
import { decodeHeader, encodeHeader, type Smb2Header } from '../../../../src/ingest/smb/header.js';
import { Signer } from '../../../../src/ingest/smb/signing.js';
import { sleep } from '../../../helpers/wait.js';

interface Received {
  header: Smb2Header;
  raw: Buffer;
}

/** A peer that hands every frame it gets, split into messages, to `onFrame`. */
async function peer(onFrame: (msgs: Received[], socket: Socket) => void): Promise<{ port: number; server: Server; frames: Received[][] }> {
  const frames: Received[][] = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0) & 0xffffff;
        if (buf.length < 4 + len) break;
        const frame = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        const msgs: Received[] = [];
        for (let at = 0; ; ) {
          const header = decodeHeader(frame.subarray(at));
          const end = header.nextCommand ? at + header.nextCommand : frame.length;
          msgs.push({ header, raw: Buffer.from(frame.subarray(at, end)) });
          if (!header.nextCommand) break;
          at = end;
        }
        frames.push(msgs);
        onFrame(msgs, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server, frames };
}

/** A response to `req`: 4-byte ECHO body unless given. */
function reply(req: Smb2Header, over: Partial<Smb2Header> = {}, body = echoBody()): Buffer {
  return Buffer.concat([
    encodeHeader({
      ...req,
      flags: HeaderFlag.ServerToRedir,
      status: NtStatus.Success,
      credits: 8,
      nextCommand: 0,
      signature: new Uint8Array(16),
      ...over,
    }),
    body,
  ]);
}

function echoBody(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}

function frame(...msgs: Buffer[]): Buffer {
  const head = Buffer.alloc(4);
  const total = msgs.reduce((a, m) => a + m.length, 0);
  head.writeUInt32BE(total, 0);
  return Buffer.concat([head, ...msgs]);
}

const echo = { command: Command.Echo, body: echoBody() };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function open(port: number): Promise<SmbConnection> {
  const conn = await SmbConnection.connect({ host: '127.0.0.1', port, timeoutMs: 2000 });
  cleanups.push(() => conn.destroy());
  return conn;
}

describe('SMB2 transport', () => {
  test('a response that arrives one byte at a time is put back together', async () => {
    const p = await peer(([m], socket) => {
      const bytes = frame(reply((m as Received).header));
      let i = 0;
      const drip = setInterval(() => {
        if (i >= bytes.length) return clearInterval(drip);
        socket.write(bytes.subarray(i, i + 1));
        i++;
      }, 1);
    });
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    const r = await conn.send([echo], { timeoutMs: 5000 });
    assert.equal(r.responses[0]?.header.command, Command.Echo);
  });

  test('a compound chain: 8-aligned NextCommand, RELATED on the followers, consecutive ids; a chained answer resolves each', async () => {
    const p = await peer((msgs, socket) => {
      const replies = msgs.map((m, i) => {
        let r = reply(m.header, {}, Buffer.alloc(9 + i));
        if (i < msgs.length - 1) {
          const padded = (r.length + 7) & ~7;
          r = Buffer.concat([r, Buffer.alloc(padded - r.length)]);
          r.writeUInt32LE(r.length, 20);
        }
        return r;
      });
      socket.write(frame(...replies));
    });
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    await conn.send([echo], { timeoutMs: 5000 }); // a fresh connection has one credit; the answer grants 8
    const r = await conn.send(
      [
        { command: Command.Create, body: Buffer.alloc(57) },
        { command: Command.Read, body: Buffer.alloc(49), related: true, creditCharge: 1 },
        { command: Command.Close, body: Buffer.alloc(24), related: true },
      ],
      { timeoutMs: 5000 },
    );
    const got = p.frames[1] as Received[];
    assert.equal(got.length, 3, 'one frame, three messages');
    assert.equal(got[0]?.header.nextCommand, 64 + 57 + 7);
    assert.equal(got[1]?.header.nextCommand, 64 + 49 + 7);
    assert.equal(got[2]?.header.nextCommand, 0);
    assert.equal(got[0]?.header.flags & HeaderFlag.RelatedOperations, 0);
    assert.ok((got[1]?.header.flags ?? 0) & HeaderFlag.RelatedOperations);
    assert.ok((got[2]?.header.flags ?? 0) & HeaderFlag.RelatedOperations);
    assert.deepEqual(
      got.map((m) => m.header.messageId),
      [got[0]?.header.messageId, (got[0]?.header.messageId ?? 0n) + 1n, (got[0]?.header.messageId ?? 0n) + 2n],
    );
    assert.deepEqual(
      r.responses.map((m) => m.header.command),
      [Command.Create, Command.Read, Command.Close],
    );
    assert.equal(r.responses[1]?.raw.length, 64 + 10 + 6, 'each response is its own slice (with its padding)');
  });

  test('STATUS_PENDING is an interim answer: the request waits for the real one past its first deadline', async () => {
    const p = await peer(([m], socket) => {
      const h = (m as Received).header;
      socket.write(frame(reply(h, { status: NtStatus.Pending, flags: HeaderFlag.ServerToRedir | HeaderFlag.AsyncCommand, asyncId: 42n, credits: 1 }, Buffer.alloc(9))));
      setTimeout(() => socket.write(frame(reply(h, { flags: HeaderFlag.ServerToRedir | HeaderFlag.AsyncCommand, asyncId: 42n }))), 400);
    });
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    const r = await conn.send([echo], { timeoutMs: 150, pendingTimeoutMs: 3000 });
    assert.equal(r.responses[0]?.header.status, NtStatus.Success);
    assert.equal(conn.closed, false);
  });

  test('no answer: the request fails at its deadline and the connection closes', async () => {
    const p = await peer(() => undefined);
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    const closed = new Promise<Error>((r) => conn.once('close', r));
    const t0 = Date.now();
    await assert.rejects(conn.send([echo], { timeoutMs: 300 }), (e: unknown) => e instanceof SmbError && e.kind === 'timeout');
    assert.ok(Date.now() - t0 < 2000);
    assert.equal((await closed).message.includes('did not answer ECHO within 300 ms'), true);
  });

  test('on a signed session: a right signature passes, an unsigned or wrongly signed answer closes the connection', async () => {
    const key = Buffer.alloc(16, 0x42);
    let mode: 'good' | 'unsigned' | 'bad' = 'good';
    const p = await peer(([m], socket) => {
      const req = m as Received;
      assert.ok(new Signer('hmac-sha256', key).verify(req.raw), 'the request is signed with the session key');
      const r = reply(req.header);
      if (mode === 'good') new Signer('hmac-sha256', key).sign(r);
      if (mode === 'bad') new Signer('hmac-sha256', Buffer.alloc(16, 0x43)).sign(r);
      socket.write(frame(r));
    });
    cleanups.push(() => p.server.close());
    for (const m of ['good', 'unsigned', 'bad'] as const) {
      mode = m;
      const conn = await open(p.port);
      conn.signer = new Signer('hmac-sha256', key);
      conn.sessionId = 5n;
      const result = conn.send([echo], { timeoutMs: 2000 });
      if (m === 'good') {
        assert.equal((await result).responses.length, 1);
      } else {
        await assert.rejects(result, (e: unknown) => e instanceof SmbError && e.kind === 'signature', m);
        assert.equal(conn.closed, true);
      }
    }
  });

  test('credits: requests wait for the server to grant more instead of overrunning the window', async () => {
    let outstanding = 0;
    let most = 0;
    const p = await peer(([m], socket) => {
      outstanding++;
      most = Math.max(most, outstanding);
      setTimeout(() => {
        outstanding--;
        socket.write(frame(reply((m as Received).header, { credits: 1 })));
      }, 30);
    });
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    await Promise.all([conn.send([echo], { timeoutMs: 3000 }), conn.send([echo], { timeoutMs: 3000 }), conn.send([echo], { timeoutMs: 3000 })]);
    assert.equal(most, 1, 'one credit granted at a time: one request outstanding at a time');
    assert.deepEqual(
      p.frames.map((f) => f[0]?.header.messageId),
      [0n, 1n, 2n],
    );
    // More credits than the server ever granted, with nothing in flight: a clear error, not a hang.
    await assert.rejects(conn.send([{ ...echo, creditCharge: 4 }], { timeoutMs: 1000 }), (e: unknown) => e instanceof SmbError && e.kind === 'protocol');
  });

  test('an SMB1 answer is a clear protocol error', async () => {
    const p = await peer((_m, socket) => socket.write(frame(Buffer.from('\xffSMBr' + '\0'.repeat(40), 'latin1'))));
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    await assert.rejects(conn.send([echo], { timeoutMs: 2000 }), (e: unknown) => e instanceof SmbError && e.kind === 'protocol' && /SMB1/.test(e.message));
  });

  test('an aborted request rejects at once; its late answer is ignored and the connection goes on', async () => {
    const p = await peer(([m], socket) => setTimeout(() => socket.write(frame(reply((m as Received).header))), 200));
    cleanups.push(() => p.server.close());
    const conn = await open(p.port);
    const ac = new AbortController();
    const pending = conn.send([echo], { timeoutMs: 2000, signal: ac.signal });
    ac.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof SmbError && e.kind === 'aborted');
    await sleep(300);
    assert.equal(conn.closed, false);
    assert.equal((await conn.send([echo], { timeoutMs: 2000 })).responses.length, 1);
  });
});
