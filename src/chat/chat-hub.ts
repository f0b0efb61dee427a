import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ErrorCode, SharecastError, isSharecastError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DataDir } from '../store/data-dir.js';
import { JsonFile } from '../store/json-file.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { presenceKey, type ViewerPresence } from '../viewers/viewer-presence.js';
import { BanList } from './ban-list.js';
import { ChatHistory } from './chat-history.js';
import { ChatLog } from './chat-log.js';
import { MESSAGE_MAX_LENGTH, validateMessageText } from './chat-text.js';
import { NameStore } from './name-store.js';
import { NAME_MAX_LENGTH } from './names.js';
import { ChatNames } from './chat-names.js';
import { ChatCloseCode, errorFrame, refusal, type ChatClientFrame, type ChatMessage, type ChatServerFrame, type ChatWelcome, type ErrorFrame } from './protocol.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import type { ViewerTokens } from './viewer-tokens.js';

/** How the hub talks to one socket; the WebSocket gateway provides it. */
export interface ChatTransport {
  /** Sends one text frame. Drops the socket instead of buffering without bound. */
  send(frame: Buffer): void;
  close(code: number, reason: string): void;
}

export interface ChatUser {
  id: string;
  name: string;
  conns: Set<ChatConn>;
}

export interface ChatConn {
  user: ChatUser;
  ip: string;
  key: string;
  transport: ChatTransport;
}

export interface ChatHubOptions {
  /** The data dir: the chat keeps its history log, bans, names and switch there. */
  dataDir: DataDir;
  logger: Logger;
  /** For the "Stream started" and "Stream ended" lines. */
  streams: StreamRegistry;
  presence: ViewerPresence;
  tokens: ViewerTokens;
  /** Sends a frame to every page (the page channel's fan-out). */
  broadcast: (frame: ChatServerFrame) => void;
  /** Names nobody may take besides admin, moderator and system (the streamer's). */
  reservedNames: () => string[];
  rate?: RateLimitOptions;
  historyShow?: number;
  historyRetain?: number;
  compactAfter?: number;
}

const DEFAULT_RATE: RateLimitOptions = { limit: 3, windowMs: 2000, blockMs: 10_000 };

type ChatSettingsFile = { enabled: boolean };

/**
 * The chat: who is connected under which name, what they say, the history,
 * and the streamer's moderation. Transport-free: the WebSocket gateway turns
 * sockets into connect/receive/disconnect calls, and the page channel
 * carries its broadcasts.
 */
export class ChatHub {
  readonly #o: ChatHubOptions;
  readonly #logger: Logger;
  readonly #history: ChatHistory;
  readonly #log: ChatLog;
  readonly #bans: BanList;
  readonly #names: ChatNames;
  readonly #settingsFile: JsonFile<ChatSettingsFile>;
  readonly #limiter: RateLimiter;
  readonly #rate: RateLimitOptions;
  readonly #users = new Map<string, ChatUser>();
  readonly #conns = new Set<ChatConn>();
  /** Last address of users seen lately, for IP bans of users not connected now. */
  readonly #lastIp = new LRUCache<string, string>({ max: 20_000 });
  readonly #offs: (() => void)[] = [];
  #enabled: boolean;
  #closed = false;
  /** Broadcasts that follow a log write go out in log order: each waits for the one before. */
  #tail: Promise<void> = Promise.resolve();

  private constructor(o: ChatHubOptions, parts: { history: ChatHistory; log: ChatLog; bans: BanList; names: NameStore; settingsFile: JsonFile<ChatSettingsFile>; enabled: boolean }) {
    this.#o = o;
    this.#logger = o.logger;
    this.#history = parts.history;
    this.#log = parts.log;
    this.#bans = parts.bans;
    this.#names = new ChatNames(parts.names, o.reservedNames);
    this.#settingsFile = parts.settingsFile;
    this.#enabled = parts.enabled;
    this.#rate = o.rate ?? DEFAULT_RATE;
    this.#limiter = new RateLimiter(this.#rate);
    this.#offs.push(
      o.streams.subscribe((e) => {
        const what = e.type === 'online' ? 'started' : 'ended';
        this.#system(o.streams.main?.name === e.stream ? `Stream ${what}` : `Stream "${e.stream}" ${what}`);
      }),
    );
  }

  /** Loads the history, bans, names and switches from the data dir. */
  static async open(o: ChatHubOptions): Promise<ChatHub> {
    const history = new ChatHistory({ show: o.historyShow ?? 50, retain: o.historyRetain ?? 200 });
    const { log, records } = await ChatLog.open({
      file: o.dataDir.file('chatHistory'),
      logger: o.logger,
      compactAfter: o.compactAfter ?? 2000,
      snapshot: () => history.snapshot(),
    });
    history.replay(records);
    const bans = new BanList(new JsonFile(o.dataDir.file('chatBans'), o.logger));
    await bans.load();
    const names = new NameStore(new JsonFile(o.dataDir.file('chatNames'), o.logger));
    await names.load();
    const settingsFile = new JsonFile<ChatSettingsFile>(o.dataDir.file('chatSettings'), o.logger);
    const settings = (await settingsFile.load()) as Partial<ChatSettingsFile> | undefined;
    o.logger.info({ messages: history.recent().length, bans: bans.list().length }, `chat: ${history.recent().length} message(s) of history, ${bans.list().length} ban(s)`);
    return new ChatHub(o, { history, log, bans, names, settingsFile, enabled: settings?.enabled !== false });
  }

  get connections(): number {
    return this.#conns.size;
  }

  get chatEnabled(): boolean {
    return this.#enabled;
  }

  /** The last visible messages, oldest first. */
  history(): readonly ChatMessage[] {
    return this.#history.recent();
  }

  /**
   * A socket opened. Returns the connection and the chat's part of the
   * welcome (with a new token when the one given is missing or not ours),
   * or sends an error, closes and returns undefined when it is refused.
   */
  connect(info: { token: string | undefined; ip: string; userAgent: string | undefined }, transport: ChatTransport): { conn: ChatConn; welcome: ChatWelcome } | undefined {
    if (this.#closed) {
      transport.close(ChatCloseCode.GoingAway, 'server shutting down');
      return undefined;
    }
    let userId = this.#o.tokens.verify(info.token);
    let token = info.token as string;
    if (userId === undefined) ({ token, userId } = this.#o.tokens.issue());
    if (this.#bans.isBanned(userId, info.ip)) {
      this.#refuse(transport, ErrorCode.Banned, 'you are banned from this chat', ChatCloseCode.Banned);
      return undefined;
    }
    let user = this.#users.get(userId);
    if (!user) {
      user = { id: userId, name: this.#names.claim(userId), conns: new Set() };
      this.#users.set(userId, user);
    }
    const conn: ChatConn = { user, ip: info.ip, key: presenceKey(info.ip, info.userAgent), transport };
    user.conns.add(conn);
    this.#conns.add(conn);
    this.#lastIp.set(userId, info.ip);
    this.#o.presence.pageJoined(user, conn.key);
    const welcome: ChatWelcome = {
      user: { id: user.id, name: user.name },
      token,
      history: this.#history.recent(),
      chatEnabled: this.#enabled,
      limits: { messageLength: MESSAGE_MAX_LENGTH, nameLength: NAME_MAX_LENGTH, messages: this.#rate.limit, perSeconds: this.#rate.windowMs / 1000 },
    };
    return { conn, welcome };
  }

  /** A socket closed (for whatever reason). */
  disconnect(conn: ChatConn): void {
    if (!this.#conns.delete(conn)) return;
    const user = conn.user;
    user.conns.delete(conn);
    if (user.conns.size === 0) {
      this.#users.delete(user.id);
      this.#names.release(user.id, user.name);
    }
    this.#o.presence.pageLeft(user.id, conn.key);
  }

  /**
   * One chat frame from a client, which arrived at `at` (ms since the epoch):
   * the rate limit counts arrivals, so a frame that waited to be handled is
   * not held against its sender. Never throws: problems are answered with an
   * error frame.
   */
  receive(conn: ChatConn, frame: ChatClientFrame, at: number = Date.now()): void {
    // A socket the hub let go of (banned, shutting down) says nothing more while it closes.
    if (!this.#conns.has(conn)) return;
    const ref = frame.ref;
    try {
      if (!this.#enabled) throw new SharecastError(ErrorCode.ChatDisabled, 'chat is turned off right now');
      if (frame.type === 'chat') {
        const text = validateMessageText(frame.text);
        this.#takeRate(conn.user, at);
        void this.#post(conn, text, ref);
      } else {
        const name = this.#names.check(conn.user.id, frame.name);
        if (name === conn.user.name) return;
        this.#takeRate(conn.user, at);
        this.#rename(conn.user, name);
      }
    } catch (err) {
      this.#sendError(conn, err, ref);
    }
  }

  // ---- moderation (the admin API) ----

  /** Hides a message for everyone and drops it from the history. False when there is no such message. */
  async hide(id: string): Promise<boolean> {
    if (!this.#history.has(id)) return false;
    await this.#hideAll([id]);
    return true;
  }

  /** Bans a user: disconnects them, hides their messages, refuses their token and addresses from now on. */
  async ban(userId: string): Promise<{ hidden: number; disconnected: number }> {
    const user = this.#users.get(userId);
    const ips = new Set<string>();
    const last = this.#lastIp.get(userId);
    if (last) ips.add(last);
    for (const c of user?.conns ?? []) ips.add(c.ip);
    await this.#bans.ban(userId, ips);
    let disconnected = 0;
    for (const c of [...(user?.conns ?? [])]) {
      this.#refuse(c.transport, ErrorCode.Banned, 'you were banned from this chat', ChatCloseCode.Banned);
      this.disconnect(c);
      disconnected++;
    }
    const ids = this.#history.idsBy(userId);
    await this.#hideAll(ids);
    this.#logger.info({ userId, hidden: ids.length, disconnected }, 'chat: user banned');
    return { hidden: ids.length, disconnected };
  }

  /** Lifts a ban. False when the user was not banned. Their hidden messages stay hidden. */
  async unban(userId: string): Promise<boolean> {
    const was = await this.#bans.unban(userId);
    if (was) this.#logger.info({ userId }, 'chat: user unbanned');
    return was;
  }

  /** The banned users with the addresses banned with them. */
  bans(): { userId: string; ips: string[]; at: string }[] {
    return this.#bans.list();
  }

  isBanned(userId: string): boolean {
    return this.#bans.has(userId);
  }

  /** Turns chat on or off for everyone (persisted). */
  async setChatEnabled(enabled: boolean): Promise<void> {
    if (enabled === this.#enabled) return;
    this.#enabled = enabled;
    await this.#settingsFile.save(() => ({ enabled: this.#enabled }));
    this.#o.broadcast({ type: 'chat_state', enabled });
    this.#system(enabled ? 'Chat is on again' : 'Chat was turned off by the streamer');
  }

  /** Stops: closes whatever connections are left (the gateway closes its sockets first) and the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    for (const c of [...this.#conns]) {
      c.transport.close(ChatCloseCode.GoingAway, 'server shutting down');
      this.disconnect(c);
    }
    await Promise.all([this.#log.close(), this.#names.close(), this.#settingsFile.flush()]);
  }

  // ---- internals ----

  async #post(conn: ChatConn, text: string, ref: string | undefined): Promise<void> {
    const user = conn.user;
    const message: ChatMessage = {
      type: 'chat',
      id: randomBytes(9).toString('base64url'),
      user: { id: user.id, name: user.name },
      text,
      at: new Date().toISOString(),
    };
    await this.#inOrder(
      this.#log.append(message),
      () => {
        if (this.#bans.has(user.id)) {
          // Banned while the message was being written: it never shows.
          this.#log.append({ type: 'hide', id: message.id }).catch(() => {});
          return;
        }
        this.#history.add(message);
        this.#o.broadcast(message);
      },
      () => this.#sendError(conn, new SharecastError(ErrorCode.Internal, 'the message could not be saved; try again'), ref),
    );
  }

  /** Runs `apply` once `write` is on disk and everything queued before it has gone out. */
  #inOrder(write: Promise<unknown> | undefined, apply: () => void, failed?: (err: unknown) => void): Promise<void> {
    const done = Promise.all([this.#tail, write]).then(apply, (err: unknown) => failed?.(err));
    this.#tail = done.catch(() => {});
    return this.#tail;
  }

  async #hideAll(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    let error: unknown;
    await this.#inOrder(
      Promise.all(ids.map((id) => this.#log.append({ type: 'hide', id }))),
      () => {
        for (const id of ids) {
          this.#history.hide(id);
          this.#o.broadcast({ type: 'hide', id });
        }
      },
      (err) => {
        error = err;
      },
    );
    if (error !== undefined) throw error;
  }

  #rename(user: ChatUser, name: string): void {
    const previous = user.name;
    this.#names.rename(user.id, previous, name);
    user.name = name;
    this.#o.presence.pageRenamed(user.id, name);
    void this.#inOrder(undefined, () => this.#o.broadcast({ type: 'rename', user: { id: user.id, name }, previous }));
  }

  #takeRate(user: ChatUser, at: number): void {
    const wait = this.#limiter.take(user.id, at);
    if (wait > 0) {
      throw new SharecastError(ErrorCode.RateLimited, `slow down: wait ${Math.ceil(wait / 1000)} s`, { details: { retryAfterMs: wait } });
    }
  }

  #system(text: string): void {
    this.#o.broadcast({ type: 'system', text, at: new Date().toISOString() });
  }

  #sendError(conn: ChatConn, err: unknown, ref: string | undefined): void {
    if (!isSharecastError(err)) this.#logger.error({ err }, 'chat: unexpected error handling a frame');
    sendFrame(conn.transport, errorFrame(err, ref));
  }

  #refuse(transport: ChatTransport, code: ErrorCode, message: string, closeCode: number): void {
    sendFrame(transport, refusal(code, message));
    transport.close(closeCode, code);
  }
}

function sendFrame(transport: ChatTransport, frame: ErrorFrame): void {
  transport.send(Buffer.from(JSON.stringify(frame)));
}
