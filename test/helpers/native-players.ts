import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { trackServer } from './server-process.js';
import { unprivileged } from './unprivileged.js';

/**
 * Players that are not browsers, reading a live .m3u8 the way a viewer
 * would start them, each with nothing to show on or play to: VLC (`cvlc`,
 * as an unprivileged user: it refuses root), mpv, and ffmpeg itself. Each is
 * told to exit when the stream ends, so a player still running after a
 * while has not met an end.
 */
export const NATIVE_PLAYERS = ['vlc', 'mpv', 'ffmpeg'] as const;
export type NativePlayer = (typeof NATIVE_PLAYERS)[number];

const PROGRAMS: Record<NativePlayer, string> = { vlc: 'cvlc', mpv: 'mpv', ffmpeg: 'ffmpeg' };

function args(player: NativePlayer, url: string): string[] {
  switch (player) {
    case 'vlc':
      // --play-and-exit: VLC's dummy interface would otherwise idle on after the stream ends.
      return ['--intf', 'dummy', '--vout', 'dummy', '--aout', 'dummy', '--no-video-title-show', '--play-and-exit', '--verbose', '0', url];
    case 'mpv':
      return ['--no-config', '--vo=null', '--ao=null', '--no-terminal', '--msg-level=all=warn', url];
    case 'ffmpeg':
      return ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', url, '-f', 'null', '-'];
  }
}

export interface RunningNativePlayer {
  name: NativePlayer;
  process: ChildProcess;
  /** Its stdout and stderr so far (for failure messages). */
  output(): string;
  /** Whether it has exited, and with what. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

/** Fails loudly when a player is missing instead of skipping: npm test installs them. */
export function requireNativePlayers(): void {
  for (const p of NATIVE_PLAYERS) {
    if (spawnSync('sh', ['-c', `command -v ${PROGRAMS[p]}`], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`${PROGRAMS[p]} is not installed: run \`npm test\` (it installs vlc-bin, vlc-plugin-base and mpv) or apt-get install them`);
    }
  }
}

export function startNativePlayer(name: NativePlayer, url: string): RunningNativePlayer {
  const user = name === 'vlc' ? unprivileged() : undefined;
  const child = spawn(PROGRAMS[name], args(name, url), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user?.uid !== undefined && user.gid !== undefined ? { uid: user.uid, gid: user.gid } : {}),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: user?.home ?? process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8' },
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  child.once('error', () => (exit ??= { code: null, signal: null }));
  const tracked = trackServer(child, () => child.kill('SIGKILL'));
  return {
    name,
    process: child,
    output: tracked.output,
    exit: () => exit,
    stop: async () => {
      if (exit === undefined) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      if (user) rmSync(user.home, { recursive: true, force: true });
    },
  };
}
