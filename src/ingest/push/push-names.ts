import { ErrorCode, SharecastError } from '../../errors.js';

/** What a pushed file is to the push source. */
export type PushFileKind = 'playlist' | 'manifest' | 'media';

/** The file types ffmpeg's hls and dash muxers upload, and what each is. */
const KINDS: Readonly<Record<string, PushFileKind>> = {
  '.m3u8': 'playlist',
  '.mpd': 'manifest',
  '.ts': 'media',
  '.m4s': 'media',
  '.mp4': 'media',
  '.aac': 'media',
};

export const PUSH_EXTENSIONS: readonly string[] = Object.keys(KINDS);

/** One folder or file name: letters, digits, "_", "-" and dots, not starting with a dot. */
const PART = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const MAX_DEPTH = 4;

export interface PushPath {
  /** '/'-separated, relative to the stream's root: what playlists name, and what readSegment is asked for. */
  path: string;
  kind: PushFileKind;
}

/**
 * The file an upload names below /ingest/NAME/[KEY/], checked: each part
 * %-decoded once, then a plain name (no "..", ".", empty part, hidden file,
 * backslash or control character), at most four deep, with one of the
 * extensions ffmpeg writes. The error never repeats the request's path
 * (it may follow a stream key).
 */
export function checkPushPath(parts: readonly string[]): PushPath {
  if (parts.length === 0 || parts.length > MAX_DEPTH) throw invalidPath(parts.length === 0 ? 'names no file' : `is more than ${MAX_DEPTH} folders deep`);
  const decoded = parts.map((p) => {
    let d: string;
    try {
      d = decodeURIComponent(p);
    } catch {
      throw invalidPath('has a broken %-escape');
    }
    if (d === '.' || d === '..') throw invalidPath('climbs out of the stream ("." or "..")');
    if (!PART.test(d)) throw invalidPath('holds a part that is not a plain file name (letters, digits, "_", "-" and ".", not starting with ".")');
    return d;
  });
  const file = decoded[decoded.length - 1] as string;
  const dot = file.lastIndexOf('.');
  const kind = dot > 0 ? KINDS[file.slice(dot).toLowerCase()] : undefined;
  if (kind === undefined) {
    throw new SharecastError(ErrorCode.PushTypeInvalid, `only ${PUSH_EXTENSIONS.join(' ')} files can be pushed (HLS and DASH output)`);
  }
  return { path: decoded.join('/'), kind };
}

function invalidPath(why: string): SharecastError {
  return new SharecastError(ErrorCode.PushPathInvalid, `the file name ${why}`);
}

/** The file names a playlist lists (segments and EXT-X-MAP init sections), as written, without parsing the rest. */
export function listedUris(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#EXT-X-MAP:') || line.startsWith('#EXT-X-PART:') || line.startsWith('#EXT-X-PRELOAD-HINT:')) {
        const uri = /URI="([^"]*)"/.exec(line)?.[1];
        if (uri !== undefined && uri !== '') out.push(uri);
      }
      continue;
    }
    out.push(line);
  }
  return out;
}
