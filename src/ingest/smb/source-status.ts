import type { ErrorCode } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { SourceDetail, SourceState, SourceStatus } from '../source.js';

/**
 * The SMB source's status as /api/status shows it: the state and its error,
 * when the next try is, and the live connection's details. Each distinct
 * error is logged once, however often the source retries.
 */
export class SmbSourceStatus {
  #status: SourceStatus = { state: 'starting', since: Date.now() };
  #lastLogged = '';
  readonly #log: Logger;
  readonly #notify: (s: SourceStatus) => void;

  constructor(logger: Logger, notify: (s: SourceStatus) => void) {
    this.#log = logger;
    this.#notify = notify;
  }

  get current(): SourceStatus {
    return this.#status;
  }

  /** A new state (or error); `since` moves only when either changes. Leaving the error state drops nextTry. */
  set(state: SourceState, error?: { code: ErrorCode; message: string }): void {
    const prev = this.#status;
    if (prev.state === state && prev.error?.code === error?.code && prev.error?.message === error?.message) return;
    const { detail } = prev;
    this.#status = { state, since: Date.now(), ...(error ? { error } : {}), ...(detail ? { detail } : {}) };
    const key = `${state}:${error?.code ?? ''}:${error?.message ?? ''}`;
    if (state === 'error' && key !== this.#lastLogged) {
      this.#lastLogged = key;
      this.#log.warn({ code: error?.code }, error?.message ?? 'SMB source error');
    } else if (state === 'waiting' && key !== this.#lastLogged) {
      this.#lastLogged = key;
      this.#log.info(error?.message ?? 'waiting for a playlist');
    } else if (state === 'ok' && prev.state === 'error') {
      this.#lastLogged = '';
      this.#log.info('SMB source is back');
    }
    this.#notify(this.#status);
  }

  /** When the next try after a failure is; shown, not notified. */
  retryAt(at: number): void {
    if (this.#status.state !== 'error') return;
    this.#status = { ...this.#status, nextTry: new Date(at).toISOString() };
  }

  /**
   * The live connection's details, or undefined once it is gone; shown, not
   * notified (a listener counts each notification in the error state as an
   * error, and a reconnect is none).
   */
  setDetail(detail: SourceDetail | undefined): void {
    const { detail: _old, ...rest } = this.#status;
    this.#status = detail ? { ...rest, detail } : rest;
  }
}
