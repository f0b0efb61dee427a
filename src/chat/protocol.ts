/**
 * The chat's frames on the page's live channel (/ws): JSON text frames.
 * docs/chat-protocol.md is the reference for page authors; this file and
 * src/live/protocol.ts (the channel itself: welcome, status, title,
 * viewers, ping) are the one place the shapes live.
 */
import { ErrorCode, SharecastError, isSharecastError } from '../errors.js';

export interface ChatUserRef {
  id: string;
  name: string;
}

/** A chat message as broadcast, kept in history and written to the log. */
export interface ChatMessage {
  type: 'chat';
  id: string;
  user: ChatUserRef;
  text: string;
  /** ISO 8601 time the server accepted it. */
  at: string;
}

export type ChatErrorCode = 'rate_limited' | 'too_long' | 'invalid' | 'banned' | 'chat_disabled' | 'too_many_connections' | 'internal';

export type ErrorFrame = { type: 'error'; code: ChatErrorCode; message: string; ref?: string; retryAfterMs?: number };

/** The chat's part of the welcome frame. */
export interface ChatWelcome {
  user: ChatUserRef;
  token: string;
  /** The same array for every welcome until the history changes (serialised once per change). */
  history: readonly ChatMessage[];
  chatEnabled: boolean;
  limits: { messageLength: number; nameLength: number; messages: number; perSeconds: number };
}

/** Frames the chat sends, to everyone or to one client. */
export type ChatServerFrame =
  | ChatMessage
  | { type: 'rename'; user: ChatUserRef; previous: string }
  | { type: 'hide'; id: string }
  | { type: 'system'; text: string; at: string }
  | { type: 'chat_state'; enabled: boolean }
  | ErrorFrame;

export type ChatClientFrame = { type: 'chat'; text: unknown; ref: string | undefined } | { type: 'rename'; name: unknown; ref: string | undefined };

/** WebSocket close codes the chat uses. */
export const ChatCloseCode = {
  Banned: 4003,
  GoingAway: 1001,
} as const;

const REF_PATTERN = /^[\w.:-]{1,64}$/;

/** The chat frame a parsed client frame is, or undefined when its type is not the chat's. */
export function chatClientFrame(o: Record<string, unknown>): ChatClientFrame | undefined {
  const ref = typeof o['ref'] === 'string' && REF_PATTERN.test(o['ref']) ? o['ref'] : undefined;
  switch (o['type']) {
    case 'chat':
      return { type: 'chat', text: o['text'], ref };
    case 'rename':
      return { type: 'rename', name: o['name'], ref };
    default:
      return undefined;
  }
}

/** The chat codes an error becomes on the wire (anything unexpected is "internal"). */
export function wireCode(code: string): ChatErrorCode {
  switch (code) {
    case ErrorCode.RateLimited:
    case ErrorCode.TooLong:
    case ErrorCode.Invalid:
    case ErrorCode.Banned:
    case ErrorCode.ChatDisabled:
    case ErrorCode.TooManyConnections:
      return code;
    default:
      return 'internal';
  }
}

/** The error frame for anything thrown while handling a frame (a message fit to show; "internal error" for bugs). */
export function errorFrame(err: unknown, ref?: string): ErrorFrame {
  if (!isSharecastError(err)) return { type: 'error', code: 'internal', message: 'internal error', ...(ref !== undefined ? { ref } : {}) };
  const retryAfterMs = err.details?.['retryAfterMs'] as number | undefined;
  return { type: 'error', code: wireCode(err.code), message: err.message, ...(ref !== undefined ? { ref } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** The error frame for a refusal with a known code. */
export function refusal(code: ErrorCode, message: string): ErrorFrame {
  return errorFrame(new SharecastError(code, message));
}

/** A valid user id (what admin requests name). */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
/** A valid message id. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
