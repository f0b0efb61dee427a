import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataFile } from '../store/data-dir.js';

const NONCE_BYTES = 16;
const SIG_BYTES = 16;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

/**
 * Viewer tokens: the page keeps one (localStorage) and passes it on /ws so a
 * returning viewer keeps their id and name. A token is a random nonce signed
 * with the server's secret, so only tokens this server issued are accepted
 * and nothing needs storing per viewer. The public user id is a one-way hash
 * of the nonce: seeing someone's id does not let you use their token.
 */
export class ViewerTokens {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 16) throw new Error('viewer token secret too short');
    this.#secret = secret;
  }

  issue(): { token: string; userId: string } {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    return { token: `${nonce}.${this.#sign(nonce)}`, userId: userIdOf(nonce) };
  }

  /** The user id for a token this server issued, or undefined for anything else. */
  verify(token: string | undefined | null): string | undefined {
    if (!token) return undefined;
    const m = TOKEN_PATTERN.exec(token);
    if (!m) return undefined;
    const nonce = m[1] as string;
    const expected = Buffer.from(this.#sign(nonce), 'base64url');
    const given = Buffer.from(m[2] as string, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return userIdOf(nonce);
  }

  /** A keyed hash for other ids that must not reveal what they were made from (bare players: IP + User-Agent). */
  keyedId(prefix: string, value: string): string {
    return `${prefix}${createHmac('sha256', this.#secret).update(`${prefix}${value}`).digest('base64url').slice(0, 12 - prefix.length)}`;
  }

  #sign(nonce: string): string {
    return createHmac('sha256', this.#secret).update(`viewer-token:${nonce}`).digest().subarray(0, SIG_BYTES).toString('base64url');
  }
}

function userIdOf(nonce: string): string {
  return createHash('sha256').update(`viewer-id:${nonce}`).digest('base64url').slice(0, 12);
}

/** The secret viewer tokens are signed with: read from `file` (the data dir's chat/secret), or made and stored there on first start. */
export async function loadOrCreateSecret(file: DataFile): Promise<Buffer> {
  const hex = (await file.readText())?.trim();
  if (hex !== undefined && /^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  const secret = randomBytes(32);
  await file.write(`${secret.toString('hex')}\n`);
  return secret;
}
