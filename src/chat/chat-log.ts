import { mkdir, open, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import { syncDir } from '../store/atomic-file.js';
import type { DataFile } from '../store/data-dir.js';

/** Files bigger than this are read from their tail only at start (the history needs just the end). */
const MAX_READ_BYTES = 4 * 1024 * 1024;

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface ChatLogOptions {
  /** The data dir's chat/history.jsonl. */
  file: DataFile;
  logger: Logger;
  /** Rewrite the file from a snapshot once it holds this many records. */
  compactAfter: number;
  /** The records that describe the current state, for compaction. */
  snapshot: () => readonly object[];
}

/**
 * An append-only log of JSON lines. append() resolves once the line is
 * written and fdatasync'd, so whatever was acknowledged survives kill -9 or
 * a power cut. Appends that arrive while a sync is running are written
 * together in the next one (group commit). A torn last line, left by a
 * crash mid-write, is skipped on reading and cut off before appending.
 */
export class ChatLog {
  readonly #o: ChatLogOptions;
  #fh: FileHandle | undefined;
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;
  /** True from the start of a drain until its loop sees an empty queue (set and cleared synchronously). */
  #draining = false;
  #records = 0;
  /** After a failed write the file may end mid-line: start the next write on a new line. */
  #mayBeTorn = false;
  #closed = false;

  private constructor(o: ChatLogOptions) {
    this.#o = o;
  }

  /** Opens (creating) the log and returns it with the records it holds, oldest first. */
  static async open(o: ChatLogOptions): Promise<{ log: ChatLog; records: unknown[] }> {
    const log = new ChatLog(o);
    const records = await log.#load();
    await mkdir(dirname(o.file.path), { recursive: true });
    log.#fh = await open(o.file.path, 'a', o.file.mode);
    await syncDir(dirname(o.file.path));
    return { log, records };
  }

  async #load(): Promise<unknown[]> {
    const { logger } = this.#o;
    const path = this.#o.file.path;
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let text: string;
    let size: number;
    try {
      size = (await fh.stat()).size;
      const start = Math.max(0, size - MAX_READ_BYTES);
      const buf = Buffer.alloc(size - start);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      text = buf.subarray(0, got).toString('utf8');
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      await fh.close();
    }
    const records: unknown[] = [];
    const lines = text.split('\n');
    const last = lines.pop() ?? '';
    let skipped = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line));
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) logger.warn({ path, skipped }, `chat log: skipped ${skipped} unreadable line(s)`);
    if (last !== '') {
      // The last write never finished (crash mid-line): it was never acknowledged. Cut it off.
      logger.warn({ path, bytes: Buffer.byteLength(last) }, 'chat log: dropping a torn last line left by a crash');
      await truncate(path, size - Buffer.byteLength(last));
    }
    this.#records = records.length;
    return records;
  }

  /** Appends one record; resolves when it is on disk. */
  append(record: object): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('chat log is closed'));
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ line, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        this.#writing = this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    // The flag is cleared in the same synchronous step that sees the queue empty, so an append never waits on a drain that already ended.
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          const fh = this.#fh;
          if (!fh) throw new Error('chat log is not open');
          const data = (this.#mayBeTorn ? '\n' : '') + batch.map((p) => p.line).join('');
          this.#mayBeTorn = true;
          await fh.appendFile(data, 'utf8');
          await fh.datasync();
          this.#mayBeTorn = false;
          this.#records += batch.length;
          for (const p of batch) p.resolve();
        } catch (err) {
          this.#o.logger.error({ err, path: this.#o.file.path }, 'chat log: write failed');
          for (const p of batch) p.reject(err);
          continue;
        }
        if (this.#records >= this.#o.compactAfter) await this.#compact();
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Rewrites the file from the current state (atomically), so it does not grow without bound. */
  async #compact(): Promise<void> {
    const { file, logger } = this.#o;
    const path = file.path;
    // Let the owners of the batch just acknowledged apply it to their state first.
    await new Promise<void>((r) => setImmediate(r));
    const snapshot = this.#o.snapshot();
    try {
      await file.write(snapshot.map((r) => `${JSON.stringify(r)}\n`).join(''));
      const old = this.#fh;
      this.#fh = await open(path, 'a', file.mode);
      await old?.close();
      this.#records = snapshot.length;
      logger.debug({ path, records: snapshot.length }, 'chat log compacted');
    } catch (err) {
      logger.warn({ err, path }, 'chat log: compaction failed; keeping the long file');
      this.#records = 0;
    }
  }

  get records(): number {
    return this.#records;
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing;
    await this.#fh?.close();
    this.#fh = undefined;
  }
}
