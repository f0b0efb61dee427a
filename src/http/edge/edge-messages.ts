import type { PublishEvent } from '../../stream/republisher.js';

/** Main process -> edge worker: what viewers can fetch, as it changes. */
export type ToEdge = PublishEvent | { type: 'streams'; names: string[] };

/** Edge worker -> main process, once a second: what it served, and who asked for playlists. */
export interface FromEdge {
  type: 'tally';
  /** [route, status] -> requests */
  requests: Array<[[string, string], number]>;
  /** [stream, kind] -> bytes */
  bytes: Array<[[string, string], number]>;
  /** [ip, user agent, stream] of playlist requests */
  playlistClients: Array<[string, string, string]>;
}
