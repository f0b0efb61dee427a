import type { ChildProcess } from 'node:child_process';

/**
 * Bookkeeping for a server process a test helper started (smbd, impacket):
 * the last 64 KiB of its output for failure messages, whether it has exited,
 * and a SIGKILL when the test runner exits first, so none outlives it.
 */

const kills = new Map<ChildProcess, () => void>();
process.once('exit', () => {
  for (const kill of kills.values()) kill();
});

export interface TrackedProcess {
  /** Its stdout and stderr so far. */
  output(): string;
  exited(): boolean;
}

/** `kill` ends it for good (smbd: its whole process group). */
export function trackServer(child: ChildProcess, kill: () => void, output: { text: string } = { text: '' }): TrackedProcess {
  const append = (chunk: Buffer): void => {
    output.text = (output.text + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  kills.set(child, kill);
  child.once('exit', () => {
    exited = true;
    kills.delete(child);
  });
  return { output: () => output.text, exited: () => exited };
}
