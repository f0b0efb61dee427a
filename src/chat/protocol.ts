/**
 * The chat protocol on /ws: JSON text frames. docs/chat-protocol.md is the
 * reference for page authors; this file is the one place the shapes live.
 */
import { ErrorCode, SharecastError } from '../errors.js';

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

export type ServerFrame =
  | {
      type: 'welcome';
      user: ChatUserRef;
      token: string;
      history: ChatMessage[];
      chatEnabled: boolean;
      title: string;
      online: boolean;
      viewers: number;
      limits: { messageLength: number; nameLength: number; messages: number; perSeconds: number };
    }
  | ChatMessage
  | { type: 'rename'; user: ChatUserRef; previous: string }
  | { type: 'hide'; id: string }
  | { type: 'system'; text: string; at: string }
  | { type: 'status'; online: boolean }
  | { type: 'title'; title: string }
  | { type: 'viewers'; count: number }
  | { type: 'chat_state'; enabled: boolean }
  | { type: 'pong' }
  | { type: 'error'; code: ChatErrorCode; message: string; ref?: string; retryAfterMs?: number };

export type ClientFrame =
  | { type: 'chat'; text: unknown; ref: string | undefined }
  | { type: 'rename'; name: unknown; ref: string | undefined }
  | { type: 'ping' };

const REF_PATTERN = /^[\w.:-]{1,64}$/;

/** Parses one text frame from a client. Throws invalid for anything that is not a known frame. */
export function parseClientFrame(data: string): ClientFrame {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    throw new SharecastError(ErrorCode.Invalid, 'frames are JSON objects');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SharecastError(ErrorCode.Invalid, 'frames are JSON objects');
  const o = v as Record<string, unknown>;
  const ref = typeof o['ref'] === 'string' && REF_PATTERN.test(o['ref']) ? o['ref'] : undefined;
  switch (o['type']) {
    case 'chat':
      return { type: 'chat', text: o['text'], ref };
    case 'rename':
      return { type: 'rename', name: o['name'], ref };
    case 'ping':
      return { type: 'ping' };
    default:
      throw new SharecastError(ErrorCode.Invalid, 'unknown frame type; expected chat, rename or ping');
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

/** A valid user id (what admin requests name). */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
/** A valid message id. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
