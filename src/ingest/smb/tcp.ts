import { connect as netConnect, type Socket } from 'node:net';
import { SmbError } from './errors.js';

export interface ConnectOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A TCP connection to the SMB server, with a deadline and an abort; failures are SmbErrors. */
export function openSocket(opts: ConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: opts.host, port: opts.port });
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      done(new SmbError('connection', `cannot connect to ${opts.host}:${opts.port}: ${err.code ?? err.message}`, { cause: err }));
    const onConnect = (): void => done();
    const onAbort = (): void => done(new SmbError('aborted', 'connect aborted'));
    const timer = setTimeout(
      () => done(new SmbError('timeout', `no TCP connection to ${opts.host}:${opts.port} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    socket.once('error', onError);
    socket.once('connect', onConnect);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
