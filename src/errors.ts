/**
 * Errors are data: every error sharecast raises on purpose carries a stable
 * code. The HTTP layer maps codes to statuses in one place
 * (src/http/error-response.ts); logs use the code, never the stack, for
 * client errors.
 */
export const ErrorCode = {
  /** A config value is wrong; the message names the key. */
  ConfigInvalid: 'config_invalid',
  /** The source URI names a kind that is not supported. */
  SourceUnsupported: 'source_unsupported',
  /** The source (folder, share) cannot be reached or the file is missing. */
  SourceUnavailable: 'source_unavailable',
  /** The share refused our credentials. */
  SourceAuthFailed: 'source_auth_failed',
  /** The SMB server refuses NTLM sign-in (STATUS_NTLM_BLOCKED). */
  SourceNtlmBlocked: 'source_ntlm_blocked',
  /** The account is disabled or has expired on the server. */
  SourceAccountDisabled: 'source_account_disabled',
  /** The account is locked out after too many failed sign-ins. */
  SourceAccountLocked: 'source_account_locked',
  /** The account's password has expired or must be changed. */
  SourcePasswordExpired: 'source_password_expired',
  /** The account may not sign in like this: time of day, computer, network logon right, empty password. */
  SourceAccountRestricted: 'source_account_restricted',
  /** The server ended the session (it expired); the source signs in again. */
  SourceSessionExpired: 'source_session_expired',
  /** The server requires SMB 3 encryption and none could be agreed. */
  SourceEncryptionRequired: 'source_encryption_required',
  /** The server refused access to the share or file (permissions, signing). */
  SourceAccessDenied: 'source_access_denied',
  /** The share does not exist on the server. */
  SourceShareNotFound: 'source_share_not_found',
  /** The server speaks no dialect we can use. */
  SourceProtocol: 'source_protocol',
  /** The server did not answer in time. */
  SourceTimeout: 'source_timeout',
  /** A segment read ended short of the size the source reported. */
  SegmentIncomplete: 'segment_incomplete',
  /** A playlist could not be parsed or is not a media playlist. */
  PlaylistInvalid: 'playlist_invalid',
  /** A playlist names a file outside the source (../, absolute, URL). */
  PathOutsideSource: 'path_outside_source',
  /** HTTP: nothing here. */
  NotFound: 'not_found',
  /** HTTP: the stream exists but has nothing to play yet. */
  StreamOffline: 'stream_offline',
  BadRequest: 'bad_request',
  MethodNotAllowed: 'method_not_allowed',
  RangeNotSatisfiable: 'range_not_satisfiable',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  /** Chat: too many messages. */
  RateLimited: 'rate_limited',
  /** Chat: message or name too long. */
  TooLong: 'too_long',
  /** Chat: malformed frame or value. */
  Invalid: 'invalid',
  /** Chat: the user is banned. */
  Banned: 'banned',
  /** Chat: chat is switched off by the streamer. */
  ChatDisabled: 'chat_disabled',
  /** Chat: too many connections. */
  TooManyConnections: 'too_many_connections',
  /** HTTP: a held request (blocking playlist reload, preload hint) waited longer than the spec allows. */
  HoldTimeout: 'hold_timeout',
  /** Push ingest: the stream key is missing or wrong. */
  PushKeyInvalid: 'push_key_invalid',
  /** Push ingest: too many wrong keys from this address; it must wait (Retry-After). */
  PushBackoff: 'push_backoff',
  /** Push ingest: the file name leaves the stream (traversal, a hidden or malformed name). */
  PushPathInvalid: 'push_path_invalid',
  /** Push ingest: a file type that is not HLS or DASH (.m3u8 .mpd .ts .m4s .mp4 .aac). */
  PushTypeInvalid: 'push_type_invalid',
  /** Push ingest: one upload is larger than the file size cap (--push-max-file). */
  PushTooLarge: 'push_too_large',
  /** Push ingest: the stream's uploads would use more memory than its cap (--push-memory). */
  PushMemoryFull: 'push_memory_full',
  /** Push ingest: an upload came in slower than the floor rate and was cut off. */
  PushTooSlow: 'push_too_slow',
  /** Push ingest: another client is pushing this stream and has not been silent past the offline timeout. */
  PushBusy: 'push_busy',
  /** Push ingest: an upload ended before its declared length (or its last chunk). */
  PushIncomplete: 'push_incomplete',
  /** A bug: anything not raised on purpose. */
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class SharecastError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SharecastError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isSharecastError(err: unknown): err is SharecastError {
  return err instanceof SharecastError;
}

/** Wraps anything thrown into a SharecastError, keeping a known code. */
export function toSharecastError(err: unknown, fallback: ErrorCode = ErrorCode.Internal): SharecastError {
  if (err instanceof SharecastError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SharecastError(fallback, message, { cause: err });
}

/** A plain, log- and JSON-safe view of an error. */
export function errorSummary(err: unknown): { code: ErrorCode; message: string } {
  const e = toSharecastError(err);
  return { code: e.code, message: e.message };
}

/**
 * A value from outside (a URI a playlist names, a line of it) as shown in a
 * message, a log line or /api/status: at most `max` characters, so a 10 KB
 * URI does not become a 10 KB status.
 */
export function shown(value: string, max = 200): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}
