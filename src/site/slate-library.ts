import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { slateRecipe, slateScratch } from '../media/slate-recipe.js';
import { loadSlate, type Slate } from '../stream/slate.js';

export interface SlateLibraryOptions {
  /** fixtures/slate: the built-in slate, made by `npm run fixtures` from the built-in offline image. */
  builtinDir: string;
  /** The data dir's offline-slate folder: the slate made from an uploaded (or configured) offline image. */
  customDir: string;
  /** --offline-slate. Off: no slate at all (the playlist ends when OBS goes away). */
  enabled: boolean;
  logger: Logger;
  /** The ffmpeg to run (default "ffmpeg" on the PATH). */
  ffmpeg?: string;
}

/** What the admin page says of the slate. */
export interface SlateStatus {
  enabled: boolean;
  /** 'built-in', or 'offline image' (made from the uploaded or configured one). */
  showing: string | null;
  /** A slate is being made from a new offline image. */
  making: boolean;
  /** Why the last attempt to make one failed (ffmpeg missing, the image unreadable), if it did. */
  problem: string | null;
}

const MARK = 'image.sha1';

/**
 * The offline slate the streams show while OBS is away: the built-in one,
 * or one made from the streamer's offline image, once, when it is uploaded
 * (ffmpeg, where it is installed; else the built-in slate stays and the
 * admin page says so). Nothing is encoded while a stream runs.
 */
export class SlateLibrary {
  readonly #o: SlateLibraryOptions;
  #builtin: Slate | undefined;
  #custom: Slate | undefined;
  #making: Promise<void> | undefined;
  #problem: string | null = null;
  /** The image the next (or current) make is for, to drop a make that a newer upload overtook. */
  #wanted: string | undefined;

  constructor(o: SlateLibraryOptions) {
    this.#o = o;
  }

  /** Loads the built-in slate and the one made before from an offline image, if any. */
  async init(): Promise<void> {
    if (!this.#o.enabled) return;
    try {
      this.#builtin = await loadSlate(this.#o.builtinDir);
    } catch (err) {
      this.#problem = `the built-in slate cannot be read (${(err as Error).message}); run npm run fixtures`;
      this.#o.logger.warn(this.#problem);
    }
    try {
      this.#custom = await loadSlate(this.#o.customDir);
    } catch {
      this.#custom = undefined;
    }
  }

  /** The slate to show now; undefined when the slate is off. */
  current(): Slate | undefined {
    if (!this.#o.enabled) return undefined;
    return this.#custom ?? this.#builtin;
  }

  status(): SlateStatus {
    const showing = this.current();
    return { enabled: this.#o.enabled, showing: showing ? (this.#custom ? 'offline image' : 'built-in') : null, making: this.#making !== undefined, problem: this.#problem };
  }

  /**
   * The offline image changed: make the slate from it (in the background;
   * `done` resolves when it is in use or failed). `body` undefined: back to
   * the built-in slate.
   */
  async useImage(body: Buffer | undefined): Promise<void> {
    if (!this.#o.enabled) return;
    if (body === undefined) {
      this.#wanted = undefined;
      this.#custom = undefined;
      this.#problem = null;
      await rm(this.#o.customDir, { recursive: true, force: true });
      return;
    }
    const sha = createHash('sha1').update(body).digest('hex');
    this.#wanted = sha;
    if (this.#custom && (await readFile(join(this.#o.customDir, MARK), 'utf8').catch(() => '')) === sha) return;
    const previous = this.#making ?? Promise.resolve();
    const run = previous.then(() => (this.#wanted === sha ? this.#make(body, sha) : undefined));
    this.#making = run;
    await run.finally(() => {
      if (this.#making === run) this.#making = undefined;
    });
  }

  async #make(body: Buffer, sha: string): Promise<void> {
    const work = `${this.#o.customDir}.new`;
    let failure: string | undefined;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    try {
      const image = join(work, 'source-image');
      await writeFile(image, body);
      const { steps, manifest } = slateRecipe(image, work);
      for (const step of steps) await this.#ffmpeg(step.args);
      const scratch = slateScratch(manifest);
      for (const name of await readdir(work)) if (scratch(name)) await rm(join(work, name), { force: true });
      await writeFile(join(work, 'slate.json'), `${JSON.stringify({ ...manifest, source: 'offline image' }, null, 2)}\n`);
      await writeFile(join(work, MARK), sha);
      const slate = await loadSlate(work);
      if (this.#wanted !== sha) return; // a newer image came meanwhile
      await rm(this.#o.customDir, { recursive: true, force: true });
      await rename(work, this.#o.customDir);
      this.#custom = { ...slate };
      this.#problem = null;
      this.#o.logger.info('the offline slate now shows the offline image');
    } catch (err) {
      failure = (err as Error).message;
    } finally {
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
    // Said once the clean-up is done, so the status never shows the problem while still "making".
    if (failure !== undefined) {
      this.#problem = failure;
      this.#o.logger.warn(`cannot make the offline slate from the offline image: ${failure}; the built-in slate stays`);
    }
  }

  #ffmpeg(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#o.ffmpeg ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-500);
      });
      child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT' ? 'ffmpeg is not installed (apt-get install ffmpeg)' : e.message)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed: ${err.trim().split('\n').at(-1) ?? `exit ${code}`}`))));
    });
  }
}
