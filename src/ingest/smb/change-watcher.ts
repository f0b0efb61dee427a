import type { Logger } from '../../log/logger.js';
import type { SmbClient } from './client.js';
import { CreateOption, FileNotifyChange } from './constants.js';
import { SmbStatusError } from './errors.js';

/**
 * Keeps a CHANGE_NOTIFY pending on the playlist's folder for as long as a
 * connection lives, and calls `onChange` whenever a name there changes. A
 * server that refuses notifications (impacket does) is simply polled.
 */
export class ChangeWatcher {
  readonly #folder: string;
  readonly #log: Logger;
  readonly #onChange: () => void;
  #watching: { client: SmbClient; abort: AbortController } | undefined;
  readonly #refused = new WeakSet<SmbClient>();
  #stopped = false;

  constructor(o: { folder: string; logger: Logger; onChange: () => void }) {
    this.#folder = o.folder;
    this.#log = o.logger;
    this.#onChange = o.onChange;
  }

  /** Watches on `client` unless it already does, or the server refused on this connection. */
  watch(client: SmbClient): void {
    if (this.#stopped || client.closed || this.#refused.has(client)) return;
    if (this.#watching?.client === client) return;
    this.#watching?.abort.abort();
    const abort = new AbortController();
    const w = { client, abort };
    this.#watching = w;
    void this.#loop(client, abort.signal).finally(() => {
      if (this.#watching === w) this.#watching = undefined;
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#watching?.abort.abort();
  }

  async #loop(client: SmbClient, signal: AbortSignal): Promise<void> {
    let handle;
    try {
      handle = await client.open(this.#folder, CreateOption.DirectoryFile, { signal });
    } catch {
      return; // the next good tick tries again
    }
    try {
      while (!signal.aborted && !client.closed && !this.#stopped) {
        await client.changeNotify(handle.fileId, FileNotifyChange.FileName, { signal });
        this.#onChange();
      }
    } catch (err) {
      if (err instanceof SmbStatusError) {
        this.#refused.add(client);
        this.#log.debug({ status: err.statusName }, 'the server refuses change notifications; polling only');
      }
    } finally {
      if (!client.closed) await client.closeHandle(handle.fileId).catch(() => undefined);
    }
  }
}
