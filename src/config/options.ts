/**
 * Every setting, in one table: its key in the config file, its flag, its
 * environment variable, its default and its help text. The loader, --help
 * and the example config file are all made from this table.
 */
export type OptionType = 'string' | 'boolean' | 'number' | 'list';

export interface OptionDef {
  /** Key in the config file (camelCase). */
  key: string;
  /** Command-line flag without the leading dashes (kebab-case). */
  flag: string;
  type: OptionType;
  /** The default as a user would write it; undefined means "not set". */
  default: string | number | boolean | string[] | undefined;
  /** What goes in --help and the example file. */
  help: string;
  /** Argument name for --help. */
  arg?: string;
  /** A secret: never printed or logged. */
  secret?: boolean;
  /** The value may carry a secret, an smb:// URI's password, which is redacted wherever the value is shown. */
  carriesSmbPassword?: boolean;
  // For either, --help, the README and the example file say to keep it off
  // the command line (secretAdvice), and a flag that carries one is warned
  // about at start.
}

export const OPTIONS: readonly OptionDef[] = [
  {
    key: 'sources',
    flag: 'source',
    type: 'list',
    default: [],
    arg: '[NAME=]URI',
    carriesSmbPassword: true,
    help:
      'A stream to serve: a path or file:// URI to OBS\'s playlist (or to the folder holding it), smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH/stream.m3u8, "push" (OBS uploads to http://THIS-SERVER/ingest/NAME/KEY/stream.m3u8 from anywhere; see --push-key and the README\'s "OBS anywhere"), or "demo". NAME (default "live") is the stream\'s name in /hls/NAME/index.m3u8. Repeat for several streams. With none, the demo stream runs.',
  },
  { key: 'listen', flag: 'listen', type: 'string', default: '0.0.0.0:8080', arg: 'HOST:PORT', help: 'Address and port of the HTTP server. Port 0 picks a free port.' },
  { key: 'data', flag: 'data', type: 'string', default: './data', arg: 'DIR', help: 'Folder for state that outlives a restart (chat history, admin token, offline image).' },
  { key: 'config', flag: 'config', type: 'string', default: undefined, arg: 'FILE', help: 'A YAML or JSON config file. Flags and SHARECAST_* variables override it.' },
  { key: 'title', flag: 'title', type: 'string', default: 'sharecast', arg: 'TEXT', help: 'Title of the stream, shown on the page and in /api/status.' },
  { key: 'streamerName', flag: 'streamer-name', type: 'string', default: undefined, arg: 'NAME', help: 'Your name in chat: viewers cannot take it (nor admin, moderator or system).' },
  { key: 'offlineImage', flag: 'offline-image', type: 'string', default: undefined, arg: 'FILE', help: 'PNG, JPEG or WebP image shown while the stream is offline. Default: a built-in image.' },
  { key: 'poll', flag: 'poll', type: 'boolean', default: false, help: 'Poll instead of waiting for change events: file events for folder sources (needed on network mounts such as CIFS or NFS, which sharecast detects by itself on Linux), change notifications for smb:// sources (which otherwise cut the relay lag to tens of milliseconds).' },
  { key: 'pollInterval', flag: 'poll-interval', type: 'number', default: 250, arg: 'MS', help: 'How often a polled source (an smb:// share, or a folder with --poll) is asked whether the playlist changed, in milliseconds (50-10000). Over SMB each check is one round trip.' },
  { key: 'windowSeconds', flag: 'window', type: 'number', default: 12, arg: 'SECONDS', help: 'Length of the live window in the published playlist, in seconds. It never holds less than 3 target durations.' },
  { key: 'offlineAfter', flag: 'offline-after', type: 'number', default: 6, arg: 'SECONDS', help: 'The stream goes offline when no new segment arrived for max(3 x target duration, this many seconds), or at once when OBS ends the playlist.' },
  { key: 'offlineSlate', flag: 'offline-slate', type: 'boolean', default: true, help: 'While OBS is away, the live playlist goes on with a short clip of the offline image (after a discontinuity), so every player keeps playing and picks the stream up again by itself. --no-offline-slate: the playlist ends (EXT-X-ENDLIST) when the stream goes offline.' },
  { key: 'endAfter', flag: 'end-after', type: 'number', default: 1800, arg: 'SECONDS', help: 'The stream ends (EXT-X-ENDLIST) when OBS has been away this long (60-86400). A stream that starts after that is a new presentation at the same URL. The admin page can end it at once.' },
  { key: 'lowLatency', flag: 'low-latency', type: 'boolean', default: true, help: 'Publish LL-HLS parts and answer blocking playlist reloads (about 1.5 s behind live) when OBS writes chunked CMAF: its dash muxer in streaming mode (see the README). sharecast notices by itself; --no-low-latency serves classic HLS only.' },
  { key: 'cacheSize', flag: 'cache-size', type: 'string', default: '160MiB', arg: 'SIZE', help: 'Memory for the segment cache, e.g. 160MiB or 1GB. The default holds about 3.5 minutes of a 6 Mbit/s stream.' },
  { key: 'web', flag: 'web', type: 'string', default: undefined, arg: 'DIR', help: 'Serve the web page from this folder; files missing there fall back to the built-in ones.' },
  { key: 'adminToken', flag: 'admin-token', type: 'string', default: undefined, arg: 'TOKEN', secret: true, help: 'Bearer token for /api/admin. Default: generated on first start, stored in the data folder and printed once.' },
  { key: 'smbPassword', flag: 'smb-password', type: 'string', default: undefined, arg: 'PASSWORD', secret: true, help: 'Password for smb:// sources that do not carry one.' },
  {
    key: 'pushKey',
    flag: 'push-key',
    type: 'string',
    default: undefined,
    arg: 'KEY',
    secret: true,
    help: 'Stream key for push sources, the KEY in /ingest/NAME/KEY/: one key for every push stream, or NAME=KEY,NAME=KEY for a key each (in the config file also a mapping of stream name to key). 16-128 characters of A-Z a-z 0-9 . _ ~ -. Default: a key per stream, generated on first start, stored in the data folder (push-keys/NAME) and printed once; the admin page shows it with the URL to paste into OBS.',
  },
  { key: 'trustProxy', flag: 'trust-proxy', type: 'boolean', default: false, help: 'sharecast runs behind a reverse proxy (nginx, Caddy) that sets X-Forwarded-For: push ingest takes the client\'s address from its last entry (for the back-off after wrong keys and for telling two pushers apart). Leave it off when clients reach sharecast directly, or any client could claim any address.' },
  { key: 'pushMaxFile', flag: 'push-max-file', type: 'string', default: '32MiB', arg: 'SIZE', help: 'Largest file a push source takes in one upload (a segment or playlist); a larger one is refused with 413.' },
  { key: 'pushMemory', flag: 'push-memory', type: 'string', default: '64MiB', arg: 'SIZE', help: 'Memory for each push stream\'s uploads until they are published (at least --push-max-file); an upload that would go over it is refused with 413. Uploads are never written to disk.' },
  { key: 'workers', flag: 'workers', type: 'number', default: 0, arg: 'N', help: 'Extra processes that answer playlist and segment requests on the same port, for boards with more cores and many viewers (each costs about 40 MB). 0: one process does everything.' },
  { key: 'logLevel', flag: 'log-level', type: 'string', default: 'info', arg: 'LEVEL', help: 'One of fatal, error, warn, info, debug, trace, silent.' },
] as const;

/** SHARECAST_OFFLINE_IMAGE for offline-image. */
export function envName(def: OptionDef): string {
  return `SHARECAST_${def.flag.replace(/-/g, '_').toUpperCase()}`;
}

/** The variable to set instead of putting a password in an smb:// URI. */
export const SMB_PASSWORD_ENV = 'SHARECAST_SMB_PASSWORD';

/**
 * Why and how to keep an option's secret off the command line, for --help,
 * the README and the example file; undefined for an option without one.
 * Any user of the machine can read a process's arguments (ps,
 * /proc/PID/cmdline); its environment only that user and root can.
 */
export function secretAdvice(def: OptionDef): string | undefined {
  if (def.secret) return `Secret: as a flag it shows in the process list (ps) to every user of this machine; set ${envName(def)} instead.`;
  if (def.carriesSmbPassword) return `A password in an smb:// URI given as a flag shows in the process list (ps) to every user of this machine: leave it out of the URI and set ${SMB_PASSWORD_ENV}.`;
  return undefined;
}

/** The option's help text with its secret advice, as --help and the README show it. */
export function fullHelp(def: OptionDef): string {
  const advice = secretAdvice(def);
  return advice === undefined ? def.help : `${def.help} ${advice}`;
}
