import { ErrorCode, SharecastError } from '../errors.js';

const LONE_SURROGATE = /\p{Cs}/u;

export const MESSAGE_MAX_LENGTH = 500;

// Controls other than newline and tab, separators that break layout, bidirectional overrides.
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * Checks a chat message: text only, 1-500 characters (Unicode code points)
 * after trimming, line breaks normalised to \n. The text is stored and sent
 * as is: clients render it as text, never as HTML, so nothing is escaped here.
 */
export function validateMessageText(raw: unknown): string {
  if (typeof raw !== 'string') throw new SharecastError(ErrorCode.Invalid, 'the message must be text');
  if (LONE_SURROGATE.test(raw)) throw new SharecastError(ErrorCode.Invalid, 'the message is not valid text');
  const text = raw.replace(/\r\n?/g, '\n').trim();
  if (text.length === 0) throw new SharecastError(ErrorCode.Invalid, 'the message is empty');
  if (text.length > MESSAGE_MAX_LENGTH && [...text].length > MESSAGE_MAX_LENGTH) {
    throw new SharecastError(ErrorCode.TooLong, `the message is longer than ${MESSAGE_MAX_LENGTH} characters`);
  }
  if (FORBIDDEN_IN_TEXT.test(text)) throw new SharecastError(ErrorCode.Invalid, 'the message contains control characters');
  return text;
}
