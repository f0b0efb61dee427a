// The command line as a user meets it: exit codes, one-line errors, --help.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { waitFor } from '../helpers/wait.js';

const ENTRY = join(import.meta.dirname, '..', 'helpers', 'cli-entry.ts');

function sharecast(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
  });
}

describe('command line', () => {
  test('--help lists every flag with its env variable', () => {
    const r = sharecast(['--help']);
    assert.equal(r.status, 0);
    for (const flag of ['--source', '--listen', '--data', '--config', '--title', '--offline-image', '--poll']) assert.ok(r.stdout.includes(flag), flag);
    assert.ok(r.stdout.includes('SHARECAST_LISTEN'));
    const text = r.stdout.replace(/\s+/g, ' ');
    for (const flag of ['--admin-token', '--smb-password', '--source']) assert.match(text, new RegExp(`Secrets: .*${flag}.* show in the process list \\(ps\\)`), flag);
    assert.match(text, /--admin-token TOKEN .*Secret: as a flag it shows in the process list \(ps\) to every user of this machine; set SHARECAST_ADMIN_TOKEN instead/);
  });

  test('a bad value stops with exit code 2 and one line naming the key, the value and what is allowed', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--listen', 'nowhere'], {}, /^sharecast: listen = "nowhere" \(flag --listen\): expected HOST:PORT/],
      [[], { SHARECAST_LISTEN: '1.2.3.4:99999' }, /listen = "1\.2\.3\.4:99999" \(env SHARECAST_LISTEN\)/],
      [['--cache-size', 'lots'], {}, /cacheSize = "lots" \(flag --cache-size\): expected a size/],
      [['--log-level', 'loud'], {}, /logLevel = "loud" .*expected one of/],
      [['--source', 'ftp://x/y.m3u8'], {}, /sources = "ftp:\/\/x\/y\.m3u8" .*not supported/],
      [['--bogus'], {}, /command line: Unknown option '--bogus'/],
    ];
    for (const [args, env, pattern] of cases) {
      const r = sharecast(args, env);
      assert.equal(r.status, 2, `${args.join(' ')} exits 2`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0] ?? '', pattern);
    }
  });

  test('a bad config file value names the key; a password never shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sharecast-cli-'));
    try {
      const file = join(dir, 'sharecast.yaml');
      writeFileSync(file, 'windowSeconds: -4\n');
      let r = sharecast(['--config', file]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /windowSeconds = -4 \(config file\): expected seconds from 2 to 600/);
      r = sharecast(['--source', 'smb://me:hunter2@nas/share/x.m3u8', '--listen', 'bad']);
      assert.equal(r.status, 2);
      assert.ok(!r.stderr.includes('hunter2'));
      r = sharecast(['--admin-token', 'short']);
      assert.equal(r.status, 2);
      assert.ok(!r.stderr.includes('short"'), r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('secrets given as flags leave the process list (/proc/PID/cmdline) and are warned about without the secret', async () => {
    const token = 'cmdline-secret-token-0123456789';
    const password = 'cmdline-Zq9-password';
    const data = mkdtempSync(join(tmpdir(), 'sharecast-cli-'));
    // An smb:// source on a closed loopback port: the relay starts and keeps retrying it.
    const args = ['--listen', '127.0.0.1:0', '--data', data, '--admin-token', token, '--source', 'demo', '--source', `nas=smb://obs:${password}@127.0.0.1:9/OBS/stream.m3u8`];
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('listening line', () => /"port":(\d+)/.exec(out)?.[1], 20_000);
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'latin1');
      assert.ok(!cmdline.includes(token) && !cmdline.includes(password), `the secrets are in ${JSON.stringify(cmdline)}`);
      assert.ok(!cmdline.includes('--admin-token') && !cmdline.includes('smb://'), JSON.stringify(cmdline));
      assert.equal(cmdline.split('\0')[0], 'sharecast');
      const warnings = out.split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level === 40).map((l) => (JSON.parse(l) as { msg: string }).msg);
      assert.ok(warnings.some((w) => /--admin-token .*SHARECAST_ADMIN_TOKEN/.test(w)), warnings.join('\n'));
      assert.ok(warnings.some((w) => /--source .*SHARECAST_SMB_PASSWORD/.test(w)), warnings.join('\n'));
      assert.ok(!out.includes(token) && !out.includes(password), 'no secret in the log');
    } finally {
      child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });

  test('SIGTERM stops the server cleanly with exit code 0', async () => {
    const data = mkdtempSync(join(tmpdir(), 'sharecast-cli-'));
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--listen', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await waitFor('listening line', () => /"port":(\d+)/.exec(out)?.[1], 20_000);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });
});
