/**
 * The page's live channel on /ws: one WebSocket per page, JSON text frames.
 * It carries the page's own frames (welcome, status, title, viewers, ping
 * and pong, defined here) and the chat's (src/chat/protocol.ts).
 * docs/chat-protocol.md is the reference for page authors.
 */
import { ErrorCode, SharecastError } from '../errors.js';
import { ChatCloseCode, chatClientFrame, type ChatClientFrame, type ChatMessage, type ChatServerFrame, type ChatWelcome } from '../chat/protocol.js';

/** The page's part of the welcome: the state of things when the page connects. */
export interface PageWelcome {
  title: string;
  online: boolean;
  viewers: number;
}

export type WelcomeFrame = { type: 'welcome' } & Omit<ChatWelcome, 'limits'> & PageWelcome & Pick<ChatWelcome, 'limits'>;

/** Frames every page gets whether or not it chats. */
export type PageFrame = { type: 'status'; online: boolean } | { type: 'title'; title: string } | { type: 'viewers'; count: number } | { type: 'pong' };

export type ServerFrame = WelcomeFrame | PageFrame | ChatServerFrame;

export type ClientFrame = { type: 'ping' } | ChatClientFrame;

/** WebSocket close codes the page can act on (docs/chat-protocol.md). */
export const CloseCode = {
  ...ChatCloseCode,
  TryAgainLater: 1013,
  /** The client sent frames faster than any page does. */
  TooManyFrames: 1008,
} as const;

/** The welcome frame, with its fields in the documented order. */
export function welcomeFrame(chat: ChatWelcome, page: PageWelcome): WelcomeFrame {
  return { type: 'welcome', user: chat.user, token: chat.token, history: chat.history, chatEnabled: chat.chatEnabled, ...page, limits: chat.limits };
}

const historyJson = new WeakMap<readonly ChatMessage[], string>();

/**
 * The welcome frame as bytes: JSON.stringify(welcomeFrame(chat, page)),
 * with the history serialised once per version of it rather than once per
 * connection (a storm of thousands of connections gets the same history).
 */
export function welcomeBytes(chat: ChatWelcome, page: PageWelcome): Buffer {
  let history = historyJson.get(chat.history);
  if (history === undefined) {
    history = JSON.stringify(chat.history);
    historyJson.set(chat.history, history);
  }
  const head = JSON.stringify({ type: 'welcome', user: chat.user, token: chat.token });
  const tail = JSON.stringify({ chatEnabled: chat.chatEnabled, ...page, limits: chat.limits });
  return Buffer.from(`${head.slice(0, -1)},"history":${history},${tail.slice(1)}`);
}

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
  if (o['type'] === 'ping') return { type: 'ping' };
  const chat = chatClientFrame(o);
  if (chat) return chat;
  throw new SharecastError(ErrorCode.Invalid, 'unknown frame type; expected chat, rename or ping');
}
