import type { SmbSourceSpec } from '../../config/source-spec.js';
import { ErrorCode, SharecastError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { SourceDetail } from '../source.js';
import { SmbClient } from './client.js';

/**
 * The SMB source's one live connection to the share: made on demand (one
 * attempt at a time), dropped on failure, described for /api/status. It
 * remembers across reconnects that a server's compound responses do not
 * verify, and says so once.
 */
export class ShareConnection {
  readonly #spec: SmbSourceSpec;
  readonly #log: Logger;
  readonly #timeoutMs: number | undefined;
  readonly #dialects: readonly number[] | undefined;
  readonly #onDetail: (detail: SourceDetail | undefined) => void;
  #client: SmbClient | undefined;
  #connecting: Promise<SmbClient> | undefined;
  #compound = true;
  #warnedGuest = false;
  #closed = false;

  constructor(o: {
    spec: SmbSourceSpec;
    logger: Logger;
    requestTimeoutMs?: number;
    dialects?: readonly number[];
    onDetail: (detail: SourceDetail | undefined) => void;
  }) {
    this.#spec = o.spec;
    this.#log = o.logger;
    this.#timeoutMs = o.requestTimeoutMs;
    this.#dialects = o.dialects;
    this.#onDetail = o.onDetail;
  }

  /** The live client, connecting first when there is none. */
  async get(): Promise<SmbClient> {
    const current = this.#client;
    if (current && !current.closed) return current;
    if (!this.#connecting) {
      this.#connecting = this.#connect().finally(() => {
        this.#connecting = undefined;
      });
    }
    const client = await this.#connecting;
    this.#client = client;
    this.#onDetail(describe(client));
    return client;
  }

  /** The live client, or the one being connected; undefined when there is neither. Never connects. */
  async current(): Promise<SmbClient | undefined> {
    let client = this.#client;
    if ((!client || client.closed) && this.#connecting) client = await this.#connecting.catch(() => undefined);
    return client && !client.closed ? client : undefined;
  }

  /** Closes the live connection, if any; the next get() makes a new one. */
  drop(): void {
    void this.#forget()?.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#forget()?.close();
    await this.#connecting?.then((c) => c.close()).catch(() => undefined);
  }

  #forget(): SmbClient | undefined {
    const client = this.#client;
    this.#client = undefined;
    this.#onDetail(undefined);
    return client;
  }

  async #connect(): Promise<SmbClient> {
    const spec = this.#spec;
    const client = await SmbClient.connect({
      host: spec.host,
      port: spec.port,
      share: spec.share,
      user: spec.user,
      password: spec.password,
      domain: spec.domain,
      timeoutMs: this.#timeoutMs,
      dialects: this.#dialects,
      compound: this.#compound,
    });
    if (this.#closed) {
      await client.close();
      throw new SharecastError(ErrorCode.SourceUnavailable, 'source closed');
    }
    client.once('close', () => {
      if (this.#client === client) this.#forget();
    });
    client.on('compound-fallback', (err) => {
      this.#compound = false;
      this.#log.warn(
        { reason: err.message },
        "the server's compound responses do not verify (it signs them before linking them, against MS-SMB2 3.3.4.1.1): sending CREATE, READ and CLOSE as separate requests from now on",
      );
      if (this.#client === client) this.#onDetail(describe(client));
    });
    const { info } = client;
    const protection = info.encryption
      ? `encrypted with ${info.encryption.cipher}, which the ${info.encryption.requiredBy} requires`
      : info.signing === 'none'
        ? 'unsigned'
        : `signed with ${info.signing}`;
    this.#log.info(
      { dialect: info.dialectName, signing: info.signing, encryption: info.encryption?.cipher ?? 'none', guest: info.guest || info.anonymous },
      `connected to the SMB share (${info.dialectName}, ${protection})`,
    );
    if ((info.guest || info.anonymous) && spec.user !== '' && !this.#warnedGuest) {
      this.#warnedGuest = true;
      this.#log.warn(`the server signed "${spec.user}" in as a guest: check the user name; guest sessions are not signed`);
    }
    return client;
  }
}

/** What /api/status says of a live connection. */
function describe(client: SmbClient): SourceDetail {
  const { info } = client;
  return {
    dialect: info.dialectName,
    signing: info.signing,
    encryption: info.encryption?.cipher ?? 'none',
    ...(info.encryption ? { encryptionRequiredBy: info.encryption.requiredBy } : {}),
    compounding: client.compounding,
  };
}
