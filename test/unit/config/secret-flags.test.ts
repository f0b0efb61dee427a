// Secrets on the command line: every user of the machine can read them in ps.
// --help, the README and the example file say so for each secret option, and
// a secret given as a flag is warned about at start, without the secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleConfig, optionsTable } from '../../../src/config/example-config.js';
import { helpText } from '../../../src/config/help-text.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { OPTIONS, envName, secretAdvice } from '../../../src/config/options.js';

function warnings(argv: string[], env: Record<string, string> = {}): string[] {
  const r = loadConfig({ argv, env, cwd: '/srv', readFile: () => '' });
  assert.equal(r.kind, 'config');
  return r.kind === 'config' ? r.warnings : [];
}

const TOKEN = 'tok-ABCDEFGHIJKLMNOP-123';
const PASSWORD = 'pw-hunter2-Zq9';

describe('secret options', () => {
  const secret = OPTIONS.filter((d) => d.secret || d.carriesSmbPassword);

  it('are the admin token, the SMB password, the push key and the sources (which may carry an smb:// password)', () => {
    assert.deepEqual(secret.map((d) => d.key).sort(), ['adminToken', 'pushKey', 'smbPassword', 'sources']);
  });

  it('say in --help, the README table and the example file that a flag shows in ps, and what to set instead', () => {
    const help = helpText('test');
    const table = optionsTable();
    const example = exampleConfig();
    for (const def of secret) {
      const advice = secretAdvice(def);
      assert.ok(advice !== undefined);
      assert.match(advice, /process list \(ps\)/);
      assert.match(advice, def.secret ? new RegExp(envName(def)) : /SHARECAST_SMB_PASSWORD/);
      assert.ok(table.includes(advice), `README table: ${def.key}`);
      assert.ok(help.replace(/\s+/g, ' ').includes(advice), `--help: ${def.key}`);
      assert.ok(example.replace(/\n# /g, ' ').includes(advice), `example: ${def.key}`);
    }
    assert.match(help.replace(/\s+/g, ' '), /Secrets: --admin-token, --smb-password, --push-key and a password in an smb:\/\/ URI given to --source show in the process list/);
  });
});

describe('a secret given as a flag', () => {
  it('is warned about, naming the flag and the variable, never the value', () => {
    const w = warnings(['--admin-token', TOKEN, '--smb-password', PASSWORD, '--source', `smb://obs:${PASSWORD}@nas/OBS/stream.m3u8`]);
    assert.equal(w.length, 3, w.join('\n'));
    assert.match(w[0] ?? '', /--source .*SHARECAST_SMB_PASSWORD/);
    assert.match(w[1] ?? '', /--admin-token .*SHARECAST_ADMIN_TOKEN/);
    assert.match(w[2] ?? '', /--smb-password .*SHARECAST_SMB_PASSWORD/);
    for (const line of w) {
      assert.ok(!line.includes(TOKEN) && !line.includes(PASSWORD) && !line.includes('hunter2'), line);
      assert.ok(!line.includes('\n'));
    }
    assert.equal(warnings([`--admin-token=${TOKEN}`]).length, 1, 'the --flag=value form too');
  });

  it('is not warned about when it comes from the environment or a file, nor for an smb:// URI without a password', () => {
    assert.deepEqual(warnings([], { SHARECAST_ADMIN_TOKEN: TOKEN, SHARECAST_SMB_PASSWORD: PASSWORD, SHARECAST_SOURCE: `smb://obs:${PASSWORD}@nas/OBS/x.m3u8` }), []);
    assert.deepEqual(warnings(['--source', 'smb://obs@nas/OBS/x.m3u8', '--source', 'b=/srv/obs/x.m3u8', '--title', TOKEN], { SHARECAST_SMB_PASSWORD: PASSWORD }), []);
    const fromFile = loadConfig({ argv: ['--config', '/etc/s.yaml'], env: {}, cwd: '/', readFile: () => `adminToken: ${TOKEN}\n` });
    assert.deepEqual(fromFile.kind === 'config' ? fromFile.warnings : undefined, []);
  });
});
