import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './ports.js';
import { trackServer } from './server-process.js';

/**
 * A second, independently written SMB server for tests: Debian's
 * python3-impacket (0.10) SimpleSMBServer on 127.0.0.1 and a free port, one
 * share in a temp folder, one user. It speaks SMB 2.0.2 only and signs every
 * response once the user has signed in; it signs compound responses before
 * it links them, so they never verify ([MS-SMB2] 3.3.4.1.1).
 *
 * Debian's module is for Debian's /usr/bin/python3, not whatever python3 is
 * first on PATH (pyenv).
 */

export const PYTHON = '/usr/bin/python3';

export interface ImpacketOptions {
  /** Default "sharecast-test"; empty: no credentials, so anyone signs in as a guest, unsigned. */
  user?: string;
  password?: string;
  /** Share name (impacket upper-cases it). Default "SHARE". */
  share?: string;
}

export interface ImpacketServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly share: string;
  readonly dir: string;
  /** The local folder behind the share. */
  readonly sharePath: string;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Stops the server and removes the temp folder. */
  cleanup(): Promise<void>;
}

/** Throws with the install line when Debian's impacket is missing (scripts/test-setup.mjs installs it as root). */
export function requireImpacket(): void {
  const ok = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import impacket.smbserver'], { stdio: 'ignore' }).status === 0;
  if (!ok) throw new Error(`impacket is missing for ${PYTHON}: apt-get install python3-impacket`);
}

const SERVER = `
import json, logging, sys
from impacket import smbserver
from impacket.ntlm import compute_lmhash, compute_nthash
cfg = json.loads(sys.argv[1])
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(levelname)s %(message)s')
server = smbserver.SimpleSMBServer(listenAddress='127.0.0.1', listenPort=cfg['port'])
server.addShare(cfg['share'], cfg['path'], '')
server.setSMB2Support(True)
if cfg['user']:
    server.addCredential(cfg['user'], 0, compute_lmhash(cfg['password']).hex(), compute_nthash(cfg['password']).hex())
server.setSMBChallenge('')
server.setLogFile('')
server.start()
`;

export async function startImpacket(opts: ImpacketOptions = {}): Promise<ImpacketServer> {
  requireImpacket();
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-impacket-'));
  chmodSync(dir, 0o755);
  const sharePath = join(dir, 'share');
  mkdirSync(sharePath);
  const port = await freePort();
  const user = opts.user ?? 'sharecast-test';
  const password = opts.password ?? 'Sharecast-test-1';
  const share = (opts.share ?? 'SHARE').toUpperCase();
  const child = spawn(PYTHON, ['-c', SERVER, JSON.stringify({ port, path: sharePath, share, user, password })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tracked = trackServer(child, () => child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (tracked.exited()) throw new Error(`impacket's SMB server exited at start:\n${tracked.output()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`impacket's SMB server did not listen on port ${port} within 15 s:\n${tracked.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    share,
    dir,
    sharePath,
    log: () => tracked.output(),
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
