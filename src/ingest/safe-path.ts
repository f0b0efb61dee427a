import { ErrorCode, SharecastError } from '../errors.js';

/**
 * Joins a URI from a playlist to the folder the playlist lives in, as a
 * '/'-separated path relative to the source's root. Rejects anything that
 * could leave the source: URLs with a scheme, absolute paths, '..' that
 * climbs above the root, backslashes, NUL and other control characters.
 * The result never starts with '/' and never contains '.' or '..' parts.
 */
export function resolveInside(playlistDir: string, uri: string): string {
  const reject = (why: string): never => {
    // JSON quoting: a control character in the URI must not break the log line.
    throw new SharecastError(ErrorCode.PathOutsideSource, `playlist names ${JSON.stringify(uri.slice(0, 200))}, which ${why}`);
  };
  if (uri === '') reject('is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(uri)) reject('contains a control character or backslash');
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) reject('is a URL; only files next to the playlist are read');
  if (uri.startsWith('/')) reject('is an absolute path');
  let decoded = uri;
  if (uri.includes('%')) {
    try {
      decoded = decodeURIComponent(uri);
    } catch {
      reject('has a broken %-escape');
    }
  }
  if (/[\u0000-\u001f\u007f\\]/.test(decoded) || decoded.startsWith('/')) reject('escapes the source folder');
  // The folder goes through the same rules as the URI: a ".." in it must not survive either.
  const out: string[] = [];
  for (const part of [...playlistDir.split('/'), ...decoded.split('/')]) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) reject('escapes the source folder');
      out.pop();
    } else out.push(part);
  }
  if (out.length === 0) reject('names no file');
  return out.join('/');
}
