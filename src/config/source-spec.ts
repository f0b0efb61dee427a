import { SharecastError, ErrorCode } from '../errors.js';

/** A source as the user named it, parsed but not yet opened. */
export type SourceSpec = FolderSourceSpec | SmbSourceSpec | DemoSourceSpec | PushSourceSpec;

export interface FolderSourceSpec {
  kind: 'folder';
  name: string;
  /** Absolute path to the playlist file, or to a folder holding the playlist(s). */
  path: string;
}

export interface SmbSourceSpec {
  kind: 'smb';
  name: string;
  host: string;
  port: number;
  domain: string;
  user: string;
  /** Empty for guest access; may be filled from SHARECAST_SMB_PASSWORD. Never logged. */
  password: string;
  share: string;
  /** Path inside the share, '/'-separated, no leading slash: to the playlist or its folder. */
  path: string;
}

export interface DemoSourceSpec {
  kind: 'demo';
  name: string;
}

/** OBS uploads its output over HTTP to /ingest/NAME/KEY/… (push ingest). */
export interface PushSourceSpec {
  kind: 'push';
  name: string;
}

export const STREAM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const DEFAULT_STREAM_NAME = 'live';

function invalid(message: string): never {
  throw new SharecastError(ErrorCode.ConfigInvalid, message);
}

/**
 * Parses `[NAME=]URI`. URI is `demo`, `push`, `smb://…`, `file://…` or a path.
 * `cwd` resolves relative paths.
 */
export function parseSourceSpec(text: string, cwd: string): SourceSpec {
  const trimmed = text.trim();
  if (trimmed === '') invalid('a source may not be empty');
  let name = DEFAULT_STREAM_NAME;
  let uri = trimmed;
  const eq = trimmed.indexOf('=');
  if (eq > 0 && /^[A-Za-z0-9_-]+$/.test(trimmed.slice(0, eq))) {
    name = trimmed.slice(0, eq);
    uri = trimmed.slice(eq + 1);
    if (!STREAM_NAME_PATTERN.test(name)) {
      invalid(`stream name "${name}" must be 1-32 characters of a-z, 0-9, _ and -, starting with a letter or digit`);
    }
  }
  if (uri === 'demo') return { kind: 'demo', name };
  if (uri === 'push') return { kind: 'push', name };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'smb') return parseSmbUri(name, uri);
  if (scheme === 'file') {
    let url: URL;
    let path: string;
    try {
      url = new URL(uri);
      path = decodeURIComponent(url.pathname);
    } catch {
      invalid(`"${uri}" is not a valid file:// URI`);
    }
    if (url.hostname !== '' && url.hostname !== 'localhost') {
      invalid(`a file:// URI names a file on this machine, not on host "${url.hostname}"; for a share use smb://HOST/SHARE/...`);
    }
    return { kind: 'folder', name, path };
  }
  if (scheme !== undefined) invalid(`source scheme "${scheme}://" is not supported; use a path, file://, smb://, push or demo`);
  return { kind: 'folder', name, path: resolvePath(cwd, uri) };
}

function resolvePath(cwd: string, p: string): string {
  if (p.startsWith('/')) return normalizeSlashes(p);
  return normalizeSlashes(`${cwd.replace(/\/+$/, '')}/${p}`);
}

function normalizeSlashes(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH/TO/stream.m3u8 */
function parseSmbUri(name: string, uri: string): SmbSourceSpec {
  const m = /^smb:\/\/(?:([^@/]*)@)?([^/@]+)\/([^/]+)(?:\/(.*))?$/i.exec(uri);
  if (!m) invalid('an smb:// source must look like smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH/TO/stream.m3u8');
  const [, auth = '', hostPort = '', shareRaw = '', pathRaw = ''] = m;
  let domain = '';
  let user = '';
  let password = '';
  if (auth !== '') {
    const colon = auth.indexOf(':');
    let userPart = colon >= 0 ? auth.slice(0, colon) : auth;
    password = colon >= 0 ? safeDecode(auth.slice(colon + 1), 'the password') : '';
    const semi = userPart.indexOf(';');
    if (semi >= 0) {
      domain = safeDecode(userPart.slice(0, semi));
      userPart = userPart.slice(semi + 1);
    }
    user = safeDecode(userPart);
  }
  let host = hostPort;
  let port = 445;
  const portMatch = /^(.*):(\d+)$/.exec(hostPort);
  if (portMatch) {
    host = portMatch[1] ?? '';
    port = Number(portMatch[2]);
    if (!(port >= 1 && port <= 65535)) invalid(`smb port ${portMatch[2]} must be 1-65535`);
  }
  const bracketed = /^\[(.*)\]$/.exec(host);
  host = bracketed ? (bracketed[1] ?? '') : host;
  if (host === '') invalid('an smb:// source needs a host');
  // Not shown: a password holding a raw "/" ends up here ("smb://user:pa/ss@…").
  if (!bracketed && !/^[^\s:@/\\[\]]+$/.test(host)) {
    invalid('the host of an smb:// source is not a host name; write "/", "@", ":" and "%" in a user name or password as %2F, %40, %3A and %25');
  }
  const share = safeDecode(shareRaw);
  const path = safeDecode(pathRaw).split('/').filter((p) => p !== '' && p !== '.').join('/');
  if (path.split('/').includes('..')) invalid('an smb:// path may not contain ".."');
  return { kind: 'smb', name, host, port, domain, user, password, share, path };
}

/** `secret` names a part whose value must not appear in the message. */
function safeDecode(s: string, secret?: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    invalid(secret === undefined ? `"${s}" has a broken %-escape` : `${secret} has a broken %-escape; write "%" as %25`);
  }
}

/**
 * A source as written, safe to show in an error: the password of an smb://
 * URI is replaced, even when the URI is malformed (a raw "@" or "/" in the
 * password): everything from "smb://USER:" to the last "@" goes.
 */
export function redactSourceText(text: string): string {
  return text.replace(/(smb:\/\/[^:@/]*:)(.*)$/is, (all, head: string, rest: string) => {
    const at = rest.lastIndexOf('@');
    if (at >= 0) return `${head}[redacted]${rest.slice(at)}`;
    // No "@": "host:port/..." has no password; anything else might be one cut short.
    return /^\d{1,5}(?:\/|$)/.test(rest) ? all : `${head}[redacted]`;
  });
}

/** A form of the spec that is safe to log and show: no password. */
export function describeSourceSpec(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'demo':
      return 'demo';
    case 'push':
      return `push (uploads to /ingest/${spec.name}/)`;
    case 'folder':
      return spec.path;
    case 'smb': {
      const who = spec.user === '' ? '' : `${spec.domain === '' ? '' : `${spec.domain};`}${spec.user}@`;
      const port = spec.port === 445 ? '' : `:${spec.port}`;
      return `smb://${who}${spec.host}${port}/${spec.share}/${spec.path}`;
    }
  }
}
