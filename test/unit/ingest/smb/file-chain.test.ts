// "Open, do something, close": one compound round trip, or the same requests
// one by one on the real file id, for servers whose chains do not verify.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command, NtStatus } from '../../../../src/ingest/smb/constants.js';
import type { IncomingMessage, OutgoingMessage } from '../../../../src/ingest/smb/connection.js';
import { SmbError, SmbStatusError } from '../../../../src/ingest/smb/errors.js';
import { runFileChain, type FileStep } from '../../../../src/ingest/smb/file-chain.js';
import { encodeReadRequest, RELATED_FILE_ID } from '../../../../src/ingest/smb/file-messages.js';
import { encodeHeader, HEADER_SIZE } from '../../../../src/ingest/smb/header.js';

const FILE_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

/** A server that answers each message: CREATE with FILE_ID (or `createStatus`), the rest with success. */
function fakeServer(createStatus: number = NtStatus.Success, failOn?: number) {
  const calls: OutgoingMessage[][] = [];
  const send = async (messages: OutgoingMessage[]): Promise<IncomingMessage[]> => {
    calls.push(messages);
    return messages.map((m) => {
      if (m.command === failOn) throw new SmbError('connection', 'gone');
      const status = m.command === Command.Create ? createStatus : NtStatus.Success;
      const header = { creditCharge: 1, status, command: m.command, credits: 1, flags: 1, nextCommand: 0, messageId: 0n, asyncId: undefined, treeId: 1, sessionId: 1n, signature: new Uint8Array(16) };
      const body = Buffer.alloc(m.command === Command.Create ? 88 : 16);
      if (m.command === Command.Create) {
        body.writeUInt16LE(89, 0);
        Buffer.from(FILE_ID).copy(body, 64);
      }
      return { header, raw: Buffer.concat([encodeHeader(header), body]) };
    });
  };
  return { calls, send };
}

const read: FileStep = { command: Command.Read, body: (id) => encodeReadRequest(id, 0, 100) };
/** The FileId field of a READ (offset 16) or CLOSE (offset 8) body. */
const fileIdOf = (m: OutgoingMessage): string => {
  const at = m.command === Command.Close ? 8 : 16;
  return Buffer.from(m.body.subarray(at, at + 16)).toString('hex');
};

describe('file chains', () => {
  test('compounded: one call, CREATE + steps + CLOSE, the later ones related and on RELATED_FILE_ID', async () => {
    const s = fakeServer();
    const answers = await runFileChain(s.send, Buffer.alloc(57), [read], true);
    assert.equal(s.calls.length, 1);
    assert.deepEqual(s.calls[0]?.map((m) => m.command), [Command.Create, Command.Read, Command.Close]);
    assert.deepEqual(s.calls[0]?.map((m) => m.related ?? false), [false, true, true]);
    assert.equal(fileIdOf(s.calls[0]?.[1] as OutgoingMessage), Buffer.from(RELATED_FILE_ID).toString('hex'));
    assert.equal(answers.length, 3);
  });

  test('apart: CREATE, then each step and CLOSE on the file id CREATE returned', async () => {
    const s = fakeServer();
    const answers = await runFileChain(s.send, Buffer.alloc(57), [read], false);
    assert.deepEqual(s.calls.map((c) => c.map((m) => m.command)), [[Command.Create], [Command.Read], [Command.Close]]);
    assert.ok(s.calls.every((c) => c.every((m) => !m.related)));
    assert.equal(fileIdOf(s.calls[1]?.[0] as OutgoingMessage), Buffer.from(FILE_ID).toString('hex'));
    assert.equal(fileIdOf(s.calls[2]?.[0] as OutgoingMessage), Buffer.from(FILE_ID).toString('hex'), 'CLOSE names the file');
    assert.deepEqual(answers.map((a) => a.header.command), [Command.Create, Command.Read, Command.Close]);
    assert.equal(answers[0]?.raw.length, HEADER_SIZE + 88);
  });

  test('apart: a failed CREATE throws its status and closes nothing; a failed step still closes', async () => {
    const missing = fakeServer(NtStatus.ObjectNameNotFound);
    await assert.rejects(runFileChain(missing.send, Buffer.alloc(57), [read], false), (e: unknown) => e instanceof SmbStatusError && e.status === NtStatus.ObjectNameNotFound);
    assert.equal(missing.calls.length, 1);
    const dying = fakeServer(NtStatus.Success, Command.Read);
    await assert.rejects(runFileChain(dying.send, Buffer.alloc(57), [read], false), /gone/);
    assert.deepEqual(dying.calls.map((c) => c[0]?.command), [Command.Create, Command.Read, Command.Close]);
  });
});
