import type { ChildProcess } from 'node:child_process';

/**
 * Sends a message to a bench client process and waits for its answer: the
 * first message whose `ev` is `ev`. Rejects if the process exits first.
 */
export function ask<To extends object, From extends { ev: string }>(child: ChildProcess, msg: To, ev: From['ev'], what: string): Promise<From> {
  return new Promise((resolve, reject) => {
    const on = (m: From) => {
      if (m.ev !== ev) return;
      child.off('message', on);
      child.off('exit', gone);
      resolve(m);
    };
    const gone = () => reject(new Error(`${what} ${child.pid} exited`));
    child.on('message', on);
    child.once('exit', gone);
    child.send(msg);
  });
}
