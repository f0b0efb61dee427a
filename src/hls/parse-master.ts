import { ErrorCode, SharecastError } from '../errors.js';

/** One media playlist a master (multivariant) playlist names. */
export interface MasterEntry {
  /** URI as written, relative to the master playlist. */
  uri: string;
  /** A variant (EXT-X-STREAM-INF) or a rendition of a group (EXT-X-MEDIA). */
  kind: 'variant' | 'media';
  /** For EXT-X-MEDIA: AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS. */
  type?: string;
}

/** A master playlist, as OBS (ffmpeg's dash muxer with hls_playlist, or the hls muxer with var_stream_map) wrote it. */
export interface MasterPlaylist {
  /** Every media playlist it names, variants first, each once, in order. */
  entries: MasterEntry[];
  /** Its lines (LF), kept to be rewritten with the relay's names. */
  lines: string[];
}

const MAX_MASTER_BYTES = 256 * 1024;
const URI_ATTR = /URI="([^"]*)"/;

function invalid(message: string): never {
  throw new SharecastError(ErrorCode.PlaylistInvalid, message);
}

/** Whether a playlist's text is a master (multivariant) playlist. */
export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF:/m.test(text);
}

/**
 * Parses a master playlist. Only what the relay needs is read: the media
 * playlists it names (to follow and rename), the rest is kept as text.
 * I-frame playlists, session keys and session data are dropped when
 * rendering: the relay does not serve them.
 */
export function parseMaster(text: string): MasterPlaylist {
  if (text.length > MAX_MASTER_BYTES) invalid(`master playlist is larger than ${MAX_MASTER_BYTES} bytes`);
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!body.startsWith('#EXTM3U')) invalid('not an HLS playlist: it does not start with #EXTM3U');
  const lines = body.split('\n');
  const entries: MasterEntry[] = [];
  const seen = new Set<string>();
  const add = (e: MasterEntry) => {
    if (seen.has(e.uri)) return;
    seen.add(e.uri);
    entries.push(e);
  };
  const media: MasterEntry[] = [];
  let variantNext = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      variantNext = true;
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const uri = URI_ATTR.exec(line)?.[1];
      const type = /TYPE=([A-Z-]+)/.exec(line)?.[1];
      if (uri !== undefined && uri !== '') media.push({ uri, kind: 'media', ...(type !== undefined ? { type } : {}) });
    } else if (line.startsWith('#EXTINF') || line.startsWith('#EXT-X-TARGETDURATION')) {
      invalid('a playlist that mixes variants and segments');
    } else if (!line.startsWith('#')) {
      if (!variantNext) invalid(`"${line.slice(0, 200)}" stands in a master playlist without #EXT-X-STREAM-INF before it`);
      add({ uri: line, kind: 'variant' });
      variantNext = false;
    }
  }
  if (variantNext) invalid('the last #EXT-X-STREAM-INF has no URI after it');
  if (entries.length === 0) invalid('a master playlist without variants');
  for (const m of media) add(m);
  return { entries, lines };
}

/** The media playlists a master playlist names, in order (empty if it is not a valid master). */
export function masterPlaylistRefs(text: string): string[] {
  try {
    return parseMaster(text).entries.map((e) => e.uri);
  } catch {
    return [];
  }
}

/**
 * The relay's master playlist: the source's, with each media playlist's URI
 * replaced by the relay's name for it. Lines the relay cannot serve
 * (I-frame playlists, session keys and data) are left out.
 */
export function renderMaster(m: MasterPlaylist, names: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  let variantNext = false;
  for (const raw of m.lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^#EXT-X-(I-FRAME-STREAM-INF|SESSION-KEY|SESSION-DATA):/.test(line)) continue;
    if (line.startsWith('#EXT-X-MEDIA:')) {
      const uri = URI_ATTR.exec(line)?.[1];
      const name = uri === undefined ? undefined : names.get(uri);
      if (uri !== undefined && name === undefined) continue;
      out.push(uri === undefined ? line : line.replace(URI_ATTR, `URI="${name}"`));
      continue;
    }
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      variantNext = true;
      out.push(line);
      continue;
    }
    if (!line.startsWith('#')) {
      if (variantNext) {
        const name = names.get(line);
        if (name === undefined) out.pop();
        else out.push(name);
      }
      variantNext = false;
      continue;
    }
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}
