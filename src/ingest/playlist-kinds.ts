import { isMasterPlaylist, masterPlaylistRefs } from '../hls/parse-master.js';

/** Enough of a playlist's head to tell a master (multivariant) playlist and read the names it lists. */
export const KIND_PROBE_BYTES = 64 * 1024;

const MAX_REMEMBERED = 1000;

/**
 * What a source path names: a playlist (followed by name), or a folder whose
 * newest playlist is followed (a folder, or ffmpeg's dash MPD: with
 * hls_playlist=1 its master.m3u8 stands beside it). `folderOf` gives the
 * path's folder in the source's own notation.
 */
export function sourceTarget(path: string, folderOf: (p: string) => string, nameOf: (p: string) => string): { root: string; fixedName: string | null } {
  const lower = path.toLowerCase();
  if (lower.endsWith('.m3u8')) return { root: folderOf(path), fixedName: nameOf(path) };
  if (lower.endsWith('.mpd')) return { root: folderOf(path), fixedName: null };
  return { root: path, fixedName: null };
}

/**
 * Which playlists in a folder are masters, and which media playlists they
 * name: in "follow the newest playlist" mode those are renditions, not
 * recordings of their own (ffmpeg's dash muxer rewrites media_N.m3u8 all the
 * time and master.m3u8 once). A playlist's head is read once per name and
 * modification stamp (a media playlist, once per name).
 */
export class PlaylistKinds {
  readonly #known = new Map<string, { stamp: string; refs: string[] | null }>();

  /** The media playlists `name` lists if it is a master, null for a media playlist; `head` reads its first bytes. */
  async refs(name: string, stamp: string, head: () => Promise<string | undefined>): Promise<string[] | null> {
    const known = this.#known.get(name);
    if (known && (known.refs === null || known.stamp === stamp)) return known.refs;
    const text = await head();
    if (text === undefined) return null;
    const refs = isMasterPlaylist(text) ? masterPlaylistRefs(text) : null;
    if (this.#known.size > MAX_REMEMBERED) this.#known.clear();
    this.#known.set(name, { stamp, refs });
    return refs;
  }

  /** The newest of `found` that no master among them names (by `newer`). */
  async newest<T extends { name: string }>(found: readonly T[], stamp: (f: T) => string, head: (f: T) => Promise<string | undefined>, newer: (a: T, b: T) => boolean): Promise<T | undefined> {
    const renditions = new Set<string>();
    for (const f of found) for (const ref of (await this.refs(f.name, stamp(f), () => head(f))) ?? []) renditions.add(ref);
    let best: T | undefined;
    for (const f of found) {
      if (renditions.has(f.name)) continue;
      if (!best || newer(f, best)) best = f;
    }
    return best;
  }
}
