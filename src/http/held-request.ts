import type { ServerResponse } from 'node:http';

export interface HoldOptions {
  /** Where changes come from. */
  stream: { waitForChange(wake: () => void): () => void };
  /** Whether the request can be answered now; checked at each change. */
  ready: () => boolean;
  /** Answers the request (once ready). */
  answer: () => void;
  /** Answers the request when it waited `limitMs` without being ready. */
  timeout: () => void;
  limitMs: number;
}

/**
 * Holds a request until the stream changes so that it can be answered: no
 * I/O and no polling, one timer per held request. A client that goes away
 * stops the wait.
 */
export function holdUntil(res: ServerResponse, o: HoldOptions): void {
  let cancel: () => void = () => undefined;
  let done = false;
  const finish = () => {
    done = true;
    cancel();
    clearTimeout(timer);
    res.off('close', finish);
  };
  const check = () => {
    if (done) return;
    if (o.ready()) {
      finish();
      o.answer();
    } else {
      cancel = o.stream.waitForChange(check);
    }
  };
  const timer = setTimeout(() => {
    if (done) return;
    finish();
    o.timeout();
  }, Math.max(0, o.limitMs));
  timer.unref();
  res.on('close', finish);
  check();
}
