import type { SharecastError } from '../errors.js';

/**
 * One place OBS's HLS output can be read from: a folder, an SMB share, or the
 * built-in demo. A source watches (or polls) the playlist and pushes each new
 * version of its text; the republisher (src/stream/) decides what is new and
 * asks the source for the bytes of the segments it wants.
 *
 * Rules every source follows:
 * - `onPlaylist` is called only when the text (or the playlist's name) changed,
 *   never concurrently, and at least once after start if the playlist exists.
 * - `readSegment` resolves only with the whole file. It never reads outside
 *   the source (see resolveInside in safe-path.ts) and rejects with a
 *   SharecastError (PathOutsideSource, SourceUnavailable, SegmentIncomplete…).
 * - Nothing a source does may throw out of a timer or event handler: failures
 *   go to `onStatus` and the source keeps retrying until closed.
 */
export interface Source {
  readonly kind: 'folder' | 'smb' | 'demo' | 'push';
  /** Safe to log and show: never holds a password. */
  readonly description: string;
  start(listener: SourceListener): Promise<void>;
  /**
   * Reads a file the playlist names (a segment or an EXT-X-MAP init section),
   * `uri` exactly as written in the playlist, relative to the playlist.
   */
  readSegment(uri: string, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Also follow these playlists (the media playlists a master playlist
   * names, relative to the source's root), reported through onPlaylist
   * under their names like the main one. Replaces the set given before.
   * A source without it cannot relay a master playlist.
   */
  watchPlaylists?(names: readonly string[]): void;
  /**
   * Follows a segment OBS is still writing (LL-HLS): every new byte is passed
   * on in order as it is written, then onComplete once the file is whole (for
   * a folder: renamed into place). `uri` is relative to the source's root, as
   * for readSegment. Returns a function that stops following. A source
   * without it gives no parts.
   */
  follow?(uri: string, listener: GrowthListener): () => void;
  status(): SourceStatus;
  close(): Promise<void>;
}

export interface PlaylistSnapshot {
  /** The playlist's text, as read. */
  text: string;
  /**
   * The playlist's file name. OBS's "Output to File" names each recording by
   * its start time, so a new name means OBS started again.
   */
  name: string;
  /** When the source saw this version (Date.now()). */
  observedAt: number;
}

/** What a followed, growing segment reports. Calls stop after onComplete or onGone. */
export interface GrowthListener {
  /** The next bytes of the file, in order from its first byte. */
  onData(bytes: Uint8Array): void;
  /** The file is complete: every byte (`size` in all) was passed to onData. */
  onComplete(size: number): void;
  /** The file went away, stopped growing, or cannot be read: what came so far may be incomplete. */
  onGone(reason: SharecastError): void;
}

export interface SourceListener {
  onPlaylist(snapshot: PlaylistSnapshot): void;
  /** Called whenever status() changes its state or error (nextTry and detail are read, not pushed). */
  onStatus(status: SourceStatus): void;
}

export type SourceState = 'starting' | 'ok' | 'waiting' | 'error';

export interface SourceStatus {
  /**
   * starting: not yet looked; ok: the playlist is readable; waiting: the
   * source is reachable but holds no playlist yet; error: cannot read it.
   */
  state: SourceState;
  /** Set when state is error (or waiting, to say why). */
  error?: { code: SharecastError['code']; message: string };
  /** When the state last changed (Date.now()). */
  since: number;
  /**
   * In the error state: when the source tries again, as an ISO 8601 time.
   * It moves on with every try.
   */
  nextTry?: string;
  /** How the source reaches its files now; SMB sources fill it in while connected. */
  detail?: SourceDetail;
}

/** The live connection of a source (SMB: its protocol and protection). All optional. */
export interface SourceDetail {
  /** e.g. "SMB 3.1.1". */
  dialect?: string;
  /** How messages are signed: "aes-cmac", "hmac-sha256", or "none" (guest sessions). */
  signing?: string;
  /** The cipher every message is encrypted with ("aes-128-gcm", …), or "none". */
  encryption?: string;
  /** What requires the encryption: the server for the whole "session", or the "share". */
  encryptionRequiredBy?: 'session' | 'share';
  /** False when the server's compound responses do not verify and requests go one by one. */
  compounding?: boolean;
}
