import { NtStatus } from './constants.js';
import type { IncomingMessage } from './connection.js';
import { SmbError, SmbStatusError } from './errors.js';

/** The message, if its status is success or one of `ok`; else an SmbStatusError. */
export function check(msg: IncomingMessage | undefined, ...ok: number[]): IncomingMessage {
  if (!msg) throw new SmbError('protocol', 'the server left a request unanswered');
  const status = msg.header.status;
  if (status === NtStatus.Success || ok.includes(status)) return msg;
  throw new SmbStatusError(status, msg.header.command);
}
