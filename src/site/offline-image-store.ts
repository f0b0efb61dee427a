import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, SharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DataFile } from '../store/data-dir.js';

/** The image types a streamer may upload or configure. SVG is never accepted from outside (it can carry script). */
export type OfflineImageType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface OfflineImage {
  body: Buffer;
  contentType: OfflineImageType | 'image/svg+xml';
  etag: string;
  /** Where it came from: the admin upload (data dir), --offline-image, or the built-in default. */
  origin: 'uploaded' | 'configured' | 'builtin';
  updatedAt: string;
}

export const OFFLINE_IMAGE_MAX_BYTES = 5 * 1024 * 1024;

/** The type named by the first bytes, or undefined: PNG, JPEG or WebP only. */
export function sniffImageType(buf: Uint8Array): OfflineImageType | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length >= 8 && png.every((b, i) => buf[i] === b)) return 'image/png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

function ascii(buf: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...buf.subarray(from, to));
}

export interface OfflineImageStoreOptions {
  /** The data dir's offline-image: an uploaded image is kept there and survives restarts. */
  file: DataFile;
  /** --offline-image, if given. */
  configuredPath?: string | undefined;
  /** The built-in default (an SVG shipped in web/img). */
  builtinPath: string;
  maxBytes?: number;
  logger: Logger;
  /** Told when the image changes (an upload, a reset): the offline slate is made from it. */
  onChange?: (image: OfflineImage) => void;
}

/**
 * The image the page shows while the stream is offline. The newest choice
 * wins: an admin upload (stored in the data dir), else --offline-image, else
 * the built-in default. Every image is checked by its bytes, not by its name
 * or the Content-Type a client claims, and is held in memory (a few MB at most).
 */
export class OfflineImageStore {
  readonly #o: OfflineImageStoreOptions;
  readonly maxBytes: number;
  #current: OfflineImage | undefined;
  #fallback: OfflineImage | undefined;

  constructor(options: OfflineImageStoreOptions) {
    this.#o = options;
    this.maxBytes = options.maxBytes ?? OFFLINE_IMAGE_MAX_BYTES;
  }

  get storedPath(): string {
    return this.#o.file.path;
  }

  /**
   * Loads the images. A bad --offline-image is a config error (thrown); a bad
   * stored upload is logged and ignored, so the server still starts.
   */
  async init(): Promise<void> {
    this.#fallback = await this.#loadFallback();
    this.#current = (await this.#loadStored()) ?? this.#fallback;
  }

  current(): OfflineImage {
    if (!this.#current) throw new SharecastError(ErrorCode.Internal, 'offline image store used before init()');
    return this.#current;
  }

  /** Checks and stores an upload; it replaces the current image at once. */
  async save(body: Buffer): Promise<OfflineImage> {
    const type = this.#check(body, 'the uploaded image');
    await this.#o.file.write(body);
    this.#current = image(body, type, 'uploaded');
    this.#o.logger.info({ bytes: body.byteLength, type }, 'offline image uploaded');
    this.#o.onChange?.(this.#current);
    return this.#current;
  }

  /** Forgets the upload: back to --offline-image or the built-in default. */
  async reset(): Promise<OfflineImage> {
    await this.#o.file.remove();
    this.#current = this.#fallback;
    this.#o.logger.info('offline image reset');
    this.#o.onChange?.(this.current());
    return this.current();
  }

  #check(body: Buffer, what: string): OfflineImageType {
    if (body.byteLength > this.maxBytes) {
      throw new SharecastError(ErrorCode.PayloadTooLarge, `${what} is larger than ${Math.round(this.maxBytes / 1024)} KiB`);
    }
    const type = sniffImageType(body);
    if (!type) throw new SharecastError(ErrorCode.UnsupportedMediaType, `${what} is not a PNG, JPEG or WebP image`);
    return type;
  }

  async #loadFallback(): Promise<OfflineImage> {
    const configured = this.#o.configuredPath;
    if (configured) {
      let body: Buffer;
      try {
        const st = await stat(configured);
        if (!st.isFile()) throw new Error('not a file');
        if (st.size > this.maxBytes) {
          throw new SharecastError(ErrorCode.ConfigInvalid, `offline-image: ${configured} is larger than ${Math.round(this.maxBytes / 1024)} KiB`);
        }
        body = await readFile(configured);
      } catch (err) {
        if (err instanceof SharecastError) throw err;
        throw new SharecastError(ErrorCode.ConfigInvalid, `offline-image: cannot read ${configured} (${(err as Error).message})`, { cause: err });
      }
      try {
        return image(body, this.#check(body, `offline-image: ${configured}`), 'configured');
      } catch (err) {
        throw new SharecastError(ErrorCode.ConfigInvalid, (err as Error).message, { cause: err });
      }
    }
    const body = await readFile(this.#o.builtinPath);
    return image(body, 'image/svg+xml', 'builtin');
  }

  async #loadStored(): Promise<OfflineImage | undefined> {
    let body: Buffer | undefined;
    try {
      body = await this.#o.file.read();
    } catch (err) {
      this.#o.logger.warn({ path: this.storedPath, err: (err as Error).message }, 'cannot read the stored offline image; using the default');
      return undefined;
    }
    if (body === undefined) return undefined;
    try {
      return image(body, this.#check(body, 'the stored offline image'), 'uploaded');
    } catch (err) {
      this.#o.logger.warn({ path: this.storedPath }, `${(err as Error).message}; using the default`);
      return undefined;
    }
  }
}

function image(body: Buffer, contentType: OfflineImage['contentType'], origin: OfflineImage['origin']): OfflineImage {
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
  return { body, contentType, etag, origin, updatedAt: new Date().toISOString() };
}
