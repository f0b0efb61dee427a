import { Command } from './constants.js';
import type { IncomingMessage, OutgoingMessage } from './connection.js';
import { decodeCreateResponse, encodeCloseRequest, RELATED_FILE_ID, type FileId } from './file-messages.js';
import { check } from './response-check.js';

/**
 * "Open, do something, close" ([MS-SMB2] 3.2.4.1.4): one compound round trip
 * (CREATE, then steps on RELATED_FILE_ID, then CLOSE), or the same as separate
 * requests on the file id CREATE returned, for servers whose compound
 * responses do not verify.
 */

/** A request on the file the chain opened. */
export interface FileStep {
  command: number;
  body: (fileId: FileId) => Buffer;
  creditCharge?: number;
}

export type SendMessages = (messages: OutgoingMessage[]) => Promise<IncomingMessage[]>;

/**
 * Runs CREATE, the steps and CLOSE; answers [create, ...steps, close]. In
 * compound form a failed CREATE fails the rest with it; taken apart, a failed
 * CREATE throws its SmbStatusError at once (nothing is open to close).
 */
export async function runFileChain(send: SendMessages, create: Buffer, steps: readonly FileStep[], compound: boolean): Promise<IncomingMessage[]> {
  if (compound) {
    return send([
      { command: Command.Create, body: create },
      ...steps.map((s) => ({ command: s.command, body: s.body(RELATED_FILE_ID), creditCharge: s.creditCharge, related: true })),
      { command: Command.Close, body: encodeCloseRequest(RELATED_FILE_ID), related: true },
    ]);
  }
  const [opened] = await send([{ command: Command.Create, body: create }]);
  const { fileId } = decodeCreateResponse(check(opened).raw);
  const answers: IncomingMessage[] = [opened as IncomingMessage];
  let failure: { error: unknown } | undefined;
  try {
    for (const s of steps) {
      const [r] = await send([{ command: s.command, body: s.body(fileId), creditCharge: s.creditCharge }]);
      answers.push(r as IncomingMessage);
    }
  } catch (error) {
    failure = { error };
  }
  try {
    const [closed] = await send([{ command: Command.Close, body: encodeCloseRequest(fileId) }]);
    answers.push(closed as IncomingMessage);
  } catch (error) {
    failure ??= { error };
  }
  if (failure) throw failure.error;
  return answers;
}
