import type { ChatMessage } from './protocol.js';

/** A hidden message, as written to the log. */
export interface HideRecord {
  type: 'hide';
  id: string;
}

export interface ChatHistoryOptions {
  /** Messages shown in the welcome frame and GET /api/chat. */
  show: number;
  /** Visible messages kept in memory, so hiding some still leaves `show` to show. */
  retain: number;
}

/**
 * The recent visible messages, in memory, oldest first. Rebuilt at start by
 * replaying the log; hidden messages leave it for good.
 */
export class ChatHistory {
  readonly #o: ChatHistoryOptions;
  #messages: ChatMessage[] = [];
  /** recent(), kept until the history changes: the same array for every welcome until then. */
  #recent: readonly ChatMessage[] | undefined;

  constructor(o: ChatHistoryOptions) {
    if (o.retain < o.show) throw new Error('retain must be at least show');
    this.#o = o;
  }

  /** Applies log records (chat and hide); anything else is ignored. */
  replay(records: readonly unknown[]): void {
    for (const r of records) {
      if (isChatMessage(r)) this.add({ type: 'chat', id: r.id, user: { id: r.user.id, name: r.user.name }, text: r.text, at: r.at });
      else if (isHideRecord(r)) this.hide(r.id);
    }
  }

  add(message: ChatMessage): void {
    this.#recent = undefined;
    this.#messages.push(message);
    if (this.#messages.length > this.#o.retain * 1.25) this.#messages = this.#messages.slice(-this.#o.retain);
  }

  /** Removes a message; false when it is not (or no longer) in the history. */
  hide(id: string): boolean {
    const i = this.#messages.findIndex((m) => m.id === id);
    if (i < 0) return false;
    this.#recent = undefined;
    this.#messages.splice(i, 1);
    return true;
  }

  has(id: string): boolean {
    return this.#messages.some((m) => m.id === id);
  }

  /** Ids of the retained messages a user wrote. */
  idsBy(userId: string): string[] {
    return this.#messages.filter((m) => m.user.id === userId).map((m) => m.id);
  }

  /** The last `show` visible messages, oldest first: one array until the history changes (do not modify it). */
  recent(): readonly ChatMessage[] {
    this.#recent ??= Object.freeze(this.#messages.slice(-this.#o.show));
    return this.#recent;
  }

  /** What a compacted log holds: the retained messages. */
  snapshot(): ChatMessage[] {
    return this.#messages.slice(-this.#o.retain);
  }
}

function isChatMessage(r: unknown): r is ChatMessage {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  const u = o['user'] as Record<string, unknown> | null | undefined;
  return (
    o['type'] === 'chat' &&
    typeof o['id'] === 'string' &&
    typeof o['text'] === 'string' &&
    typeof o['at'] === 'string' &&
    typeof u === 'object' &&
    u !== null &&
    typeof u['id'] === 'string' &&
    typeof u['name'] === 'string'
  );
}

function isHideRecord(r: unknown): r is HideRecord {
  return typeof r === 'object' && r !== null && (r as Record<string, unknown>)['type'] === 'hide' && typeof (r as Record<string, unknown>)['id'] === 'string';
}
