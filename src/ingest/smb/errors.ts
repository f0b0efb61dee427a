import { COMMAND_NAMES, statusName } from './constants.js';

/** The server answered a request with a failure NTSTATUS. */
export class SmbStatusError extends Error {
  readonly status: number;
  readonly command: number;
  /** What the client knows that makes the status clearer, e.g. that no cipher could be agreed. */
  readonly detail: string | undefined;

  constructor(status: number, command: number, detail?: string) {
    const what = COMMAND_NAMES[command] ?? `command ${command}`;
    super(`${what} failed: ${statusName(status)}${detail ? ` (${detail})` : ''}`);
    this.name = 'SmbStatusError';
    this.status = status >>> 0;
    this.command = command;
    this.detail = detail;
  }

  get statusName(): string {
    return statusName(this.status);
  }
}

export type SmbFailureKind =
  /** TCP could not connect, or the connection dropped. */
  | 'connection'
  /** A request got no answer in time. */
  | 'timeout'
  /** The server said something this client cannot understand or accept. */
  | 'protocol'
  /** A response's signature did not verify. */
  | 'signature'
  /** The server requires SMB 3 encryption, and none could be agreed. */
  | 'encryption'
  /** The caller gave up (AbortSignal) or closed the client. */
  | 'aborted';

/** Anything that went wrong that is not an NTSTATUS from the server. */
export class SmbError extends Error {
  readonly kind: SmbFailureKind;

  constructor(kind: SmbFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmbError';
    this.kind = kind;
  }
}

/**
 * A compound response's signature did not verify. Some servers (stock
 * impacket 0.10, some NAS firmware) sign each response of a chain before they
 * pad and link it ([MS-SMB2] 3.3.4.1.1 says after). The response is
 * discarded and the connection kept: the client falls back to separate
 * requests, each signed on its own.
 */
export class CompoundSignatureError extends SmbError {
  constructor(message: string) {
    super('signature', message);
    this.name = 'CompoundSignatureError';
  }
}
