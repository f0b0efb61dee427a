import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './ports.js';
import { trackServer } from './server-process.js';

/**
 * A throwaway Samba for tests: Debian's smbd in the foreground on 127.0.0.1
 * and a free high port, with its config, state and shares in a temp folder
 * and a test user in its own passdb. smbd makes itself a process-group
 * leader, so stopping it kills the whole group (its per-connection children
 * too) and never the test runner.
 */

export const SAMBA_USER = 'sharecast-test';

export interface SambaOptions {
  /** `server smb encrypt`: 'required' refuses sessions that cannot encrypt; 'desired' encrypts those that can. */
  encrypt?: 'off' | 'if_required' | 'desired' | 'required';
  /** `server smb3 encryption algorithms`, e.g. ['AES-256-GCM']: the only ciphers the server agrees to. */
  ciphers?: readonly ('AES-128-GCM' | 'AES-128-CCM' | 'AES-256-GCM' | 'AES-256-CCM')[];
  /** `server min protocol` / `server max protocol`, e.g. 'SMB2_10', 'SMB3_00', 'SMB3_02', 'SMB3_11', 'NT1'. */
  minProtocol?: string;
  maxProtocol?: string;
  /** `ntlm auth`: 'disabled' refuses NTLM sign-in (STATUS_NTLM_BLOCKED). */
  ntlmAuth?: 'ntlmv2-only' | 'ntlmv1-permitted' | 'mschapv2-and-ntlmv2-only' | 'disabled';
  /** Extra [global] lines, e.g. { 'server signing': 'mandatory' }. */
  global?: Record<string, string>;
  /** Shares by name; each gets a folder under the temp dir unless `path` is given. Default: { share: {} }. */
  shares?: Record<string, Record<string, string>>;
  password?: string;
}

export interface SambaServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** The local folder behind a share. */
  sharePath(name?: string): string;
  /** smbd's own output so far (for failure messages). */
  log(): string;
  /** SIGKILL to smbd and all its children, as a crash would. */
  kill(): Promise<void>;
  /** Starts smbd again on the same port with the same config. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT the whole smbd process group: a server that hangs. */
  pause(): void;
  resume(): void;
  /** Changes the test user's password in smbd's passdb (takes effect for the next sign-in). */
  setPassword(password: string): void;
  /** Disables or enables the test user's account (`smbpasswd -d` / `-e`). */
  setAccountDisabled(disabled: boolean): void;
  /** Stops smbd and removes the temp folder. */
  cleanup(): Promise<void>;
}

/** Debian puts smbd and useradd in /usr/sbin, which a non-login PATH may lack. */
function program(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

function ensureUnixUser(): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (spawnSync('id', ['-u', SAMBA_USER], { stdio: 'ignore' }).status === 0) return;
    spawnSync(program('useradd'), ['-M', '-s', '/usr/sbin/nologin', SAMBA_USER], { stdio: 'ignore' });
    if (spawnSync('id', ['-u', SAMBA_USER], { stdio: 'ignore' }).status === 0) return;
    // Another test file may hold the passwd lock; wait a little.
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`could not create the Unix user ${SAMBA_USER} (the Samba tests run as root)`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export async function startSamba(opts: SambaOptions = {}): Promise<SambaServer> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the Samba tests need root (smbd, useradd, smbpasswd)');
  }
  ensureUnixUser();
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-samba-'));
  // The test user must be able to walk down to the shares.
  chmodSync(dir, 0o755);
  for (const d of ['state', 'cache', 'lock', 'pid', 'private', 'ncalrpc', 'log']) mkdirSync(join(dir, d), { recursive: true });
  const port = await freePort();
  const password = opts.password ?? 'Sharecast-test-1';
  const shares = opts.shares ?? { share: {} };
  const sharePaths: Record<string, string> = {};
  const lines = [
    '[global]',
    `  smb ports = ${port}`,
    '  interfaces = 127.0.0.1',
    '  bind interfaces only = yes',
    `  state directory = ${dir}/state`,
    `  cache directory = ${dir}/cache`,
    `  lock directory = ${dir}/lock`,
    `  pid directory = ${dir}/pid`,
    `  private dir = ${dir}/private`,
    `  ncalrpc dir = ${dir}/ncalrpc`,
    `  log file = ${dir}/log/log.%m`,
    `  passdb backend = tdbsam:${dir}/private/passdb.tdb`,
    '  server role = standalone server',
    '  map to guest = Bad User',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    '  disable netbios = yes',
    ...(opts.encrypt ? [`  server smb encrypt = ${opts.encrypt}`] : []),
    ...(opts.ciphers ? [`  server smb3 encryption algorithms = ${opts.ciphers.join(', ')}`] : []),
    ...(opts.minProtocol ? [`  server min protocol = ${opts.minProtocol}`] : []),
    ...(opts.maxProtocol ? [`  server max protocol = ${opts.maxProtocol}`] : []),
    ...(opts.ntlmAuth ? [`  ntlm auth = ${opts.ntlmAuth}`] : []),
    ...Object.entries(opts.global ?? {}).map(([k, v]) => `  ${k} = ${v}`),
  ];
  for (const [name, options] of Object.entries(shares)) {
    const path = options.path ?? join(dir, 'shares', name);
    mkdirSync(path, { recursive: true, mode: 0o755 });
    chmodSync(path, 0o755);
    sharePaths[name] = path;
    lines.push(`[${name}]`, `  path = ${path}`, '  read only = yes');
    for (const [k, v] of Object.entries(options)) if (k !== 'path') lines.push(`  ${k} = ${v}`);
  }
  const conf = join(dir, 'smb.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const smbpasswd = (args: string[], input = ''): void => {
    const r = spawnSync(program('smbpasswd'), ['-c', conf, '-s', ...args, SAMBA_USER], { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`smbpasswd ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  smbpasswd(['-a'], `${password}\n${password}\n`);
  let current = password;

  let child: ChildProcess | undefined;
  // One log across restarts.
  const output = { text: '' };

  const start = async (): Promise<void> => {
    const c = spawn(program('smbd'), ['-s', conf, '-F', '--debug-stdout', '-d', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const tracked = trackServer(c, () => killGroup(c, 'SIGKILL'), output);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (tracked.exited()) throw new Error(`smbd exited at start:\n${output.text}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    killGroup(c, 'SIGKILL');
    throw new Error(`smbd did not listen on port ${port} within 15 s:\n${output.text}`);
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    killGroup(c, signal);
    const timer = setTimeout(() => killGroup(c, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    // The per-connection children are in the same group; make sure none is left.
    killGroup(c, 'SIGKILL');
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    user: SAMBA_USER,
    get password() {
      return current;
    },
    dir,
    sharePath: (name = 'share') => {
      const p = sharePaths[name];
      if (!p) throw new Error(`no share ${name}`);
      return p;
    },
    log: () => output.text,
    kill: () => stopWith('SIGKILL'),
    start,
    pause: () => child && killGroup(child, 'SIGSTOP'),
    resume: () => child && killGroup(child, 'SIGCONT'),
    setPassword: (next) => {
      smbpasswd([], `${next}\n${next}\n`);
      current = next;
    },
    setAccountDisabled: (disabled) => smbpasswd([disabled ? '-d' : '-e']),
    cleanup: async () => {
      if (child) killGroup(child, 'SIGCONT');
      await stopWith('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
