import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Config } from '../../../src/config/config.js';
import { loadConfig, type LoadInput } from '../../../src/config/load-config.js';
import { ErrorCode, SharecastError } from '../../../src/errors.js';

const CWD = '/home/obs/sharecast';

/** Loads a config from flags, env and an in-memory config file (no disk). */
function load(argv: string[] = [], env: Record<string, string> = {}, files: Record<string, string> = {}): Config {
  const input: LoadInput = {
    argv,
    env,
    cwd: CWD,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
  const r = loadConfig(input);
  assert.equal(r.kind, 'config');
  return (r as { config: Config }).config;
}

/** Asserts a config_invalid error: one line, naming the key (and value), saying what is allowed, hiding secrets. */
function assertInvalid(run: () => unknown, parts: Array<string | RegExp>, secrets: string[] = []): string {
  let message = '';
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof SharecastError, String(err));
    assert.equal(err.code, ErrorCode.ConfigInvalid);
    message = err.message;
    return true;
  });
  assert.ok(!message.includes('\n'), `one line: ${JSON.stringify(message)}`);
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(message.includes(p), `${JSON.stringify(message)} should include ${JSON.stringify(p)}`);
    else assert.match(message, p);
  }
  for (const s of secrets) assert.ok(!message.includes(s), `${JSON.stringify(message)} shows a secret`);
  return message;
}

const FILE = '/etc/sharecast.yaml';

describe('loadConfig: defaults and precedence', () => {
  it('runs the demo stream on 0.0.0.0:8080 with nothing given', () => {
    const c = load();
    assert.deepEqual(c.sources, [{ kind: 'demo', name: 'live' }]);
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 8080 });
    assert.equal(c.data, '/home/obs/sharecast/data');
    assert.equal(c.cacheSize, 160 * 1024 * 1024);
    assert.equal(c.pollInterval, 250);
    assert.equal(c.windowSeconds, 12);
    assert.equal(c.offlineAfter, 6);
    assert.equal(c.poll, false);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.adminToken, undefined);
    assert.equal(c.config, undefined);
  });

  it('answers --help, -h and --version', () => {
    assert.deepEqual(loadConfig({ argv: ['--help'], env: {}, cwd: CWD }), { kind: 'help' });
    assert.deepEqual(loadConfig({ argv: ['-h', '--listen', 'nonsense'], env: {}, cwd: CWD }), { kind: 'help' });
    assert.deepEqual(loadConfig({ argv: ['--version'], env: {}, cwd: CWD }), { kind: 'version' });
  });

  it('takes a flag over env over the file over the default, for every kind of value', () => {
    const file = ['listen: 127.0.0.1:1000', 'windowSeconds: 20', 'poll: true', 'logLevel: warn', 'source: /srv/from-file', 'cacheSize: 1GiB'].join('\n');
    const files = { [FILE]: file };
    const env = { SHARECAST_CONFIG: FILE, SHARECAST_LISTEN: '127.0.0.1:2000', SHARECAST_WINDOW: '30', SHARECAST_POLL: 'false', SHARECAST_SOURCE: '/srv/from-env' };
    const argv = ['--listen', '127.0.0.1:3000', '--window', '40', '--poll', '--source', '/srv/from-flag'];

    const all = load(argv, env, files);
    assert.deepEqual(all.listen, { host: '127.0.0.1', port: 3000 });
    assert.equal(all.windowSeconds, 40);
    assert.equal(all.poll, true);
    assert.deepEqual(all.sources, [{ kind: 'folder', name: 'live', path: '/srv/from-flag' }]);
    assert.equal(all.logLevel, 'warn', 'from the file when neither env nor flag sets it');
    assert.equal(all.cacheSize, 1024 ** 3);
    assert.equal(all.config, FILE);

    const envAndFile = load([], env, files);
    assert.deepEqual(envAndFile.listen, { host: '127.0.0.1', port: 2000 });
    assert.equal(envAndFile.windowSeconds, 30);
    assert.equal(envAndFile.poll, false);
    assert.deepEqual(envAndFile.sources, [{ kind: 'folder', name: 'live', path: '/srv/from-env' }]);

    const fileOnly = load([], { SHARECAST_CONFIG: FILE }, files);
    assert.deepEqual(fileOnly.listen, { host: '127.0.0.1', port: 1000 });
    assert.equal(fileOnly.windowSeconds, 20);
    assert.equal(fileOnly.poll, true);
    assert.deepEqual(fileOnly.sources, [{ kind: 'folder', name: 'live', path: '/srv/from-file' }]);

    const defaults = load([], {}, files);
    assert.deepEqual(defaults.listen, { host: '0.0.0.0', port: 8080 });
  });

  it('finds the config file by --config over SHARECAST_CONFIG, relative to the working folder, YAML or JSON', () => {
    const files = {
      '/home/obs/sharecast/conf/a.yaml': 'title: From A\n',
      '/etc/b.json': '{"title": "From B", "windowSeconds": 8}',
    };
    assert.equal(load(['--config', 'conf/a.yaml'], { SHARECAST_CONFIG: '/etc/b.json' }, files).title, 'From A');
    const b = load([], { SHARECAST_CONFIG: '/etc/b.json' }, files);
    assert.equal(b.title, 'From B');
    assert.equal(b.windowSeconds, 8);
    assert.equal(b.config, '/etc/b.json');
    assert.equal(load(['--config', '/etc/b.json'], { SHARECAST_TITLE: 'From env' }, files).title, 'From env');
  });

  it('treats an empty config file and an empty env variable as not set', () => {
    assert.equal(load(['--config', FILE], {}, { [FILE]: '' }).title, 'sharecast');
    assert.equal(load([], { SHARECAST_LISTEN: '' }).listen.port, 8080);
  });

  it('reads several sources from repeated flags, a comma or newline list in SHARECAST_SOURCE, or a list in the file', () => {
    const flags = load(['--source', 'main=/srv/a', '--source', 'cam=smb://nas/OBS/cam.m3u8']);
    assert.deepEqual(
      flags.sources.map((s) => [s.name, s.kind]),
      [
        ['main', 'folder'],
        ['cam', 'smb'],
      ],
    );
    const env = load([], { SHARECAST_SOURCE: 'main=/srv/a, cam=demo,\nthird=relative/x.m3u8 ,' });
    assert.deepEqual(
      env.sources.map((s) => [s.name, s.kind, s.kind === 'folder' ? s.path : '']),
      [
        ['main', 'folder', '/srv/a'],
        ['cam', 'demo', ''],
        ['third', 'folder', '/home/obs/sharecast/relative/x.m3u8'],
      ],
    );
    const file = load(['--config', FILE], {}, { [FILE]: 'sources:\n  - main=/srv/a\n  - cam=demo\n' });
    assert.deepEqual(
      file.sources.map((s) => s.name),
      ['main', 'cam'],
    );
  });

  it('gives smb:// sources without a password the one from SHARECAST_SMB_PASSWORD, and leaves the others alone', () => {
    const c = load(['--source', 'a=smb://obs@nas/OBS/a.m3u8', '--source', 'b=smb://obs:own@nas/OBS/b.m3u8'], { SHARECAST_SMB_PASSWORD: 'from-env' });
    assert.deepEqual(
      c.sources.map((s) => (s.kind === 'smb' ? s.password : null)),
      ['from-env', 'own'],
    );
  });

  it('makes relative paths absolute against the working folder', () => {
    const c = load(['--data', 'state', '--offline-image', 'img/off.png', '--web', '/srv/web']);
    assert.equal(c.data, '/home/obs/sharecast/state');
    assert.equal(c.offlineImage, '/home/obs/sharecast/img/off.png');
    assert.equal(c.web, '/srv/web');
  });

  it('reads sizes, addresses and booleans the way users write them', () => {
    assert.equal(load(['--cache-size', '512MB']).cacheSize, 512e6);
    assert.equal(load(['--cache-size', '1.5 GiB']).cacheSize, 1.5 * 1024 ** 3);
    assert.equal(load(['--config', FILE], {}, { [FILE]: 'cacheSize: 20000000\n' }).cacheSize, 20_000_000);
    assert.deepEqual(load(['--listen', '[::]:8443']).listen, { host: '::', port: 8443 });
    assert.deepEqual(load(['--listen', ':9000']).listen, { host: '0.0.0.0', port: 9000 });
    assert.deepEqual(load(['--listen', '127.0.0.1:0']).listen, { host: '127.0.0.1', port: 0 });
    assert.equal(load([], { SHARECAST_POLL: 'yes' }).poll, true);
    assert.equal(load(['--no-poll'], { SHARECAST_POLL: 'on' }).poll, false);
  });
});

describe('loadConfig: a bad value gives one line naming the key, the value and what is allowed', () => {
  it('listen', () => {
    assertInvalid(() => load(['--listen', '8080']), ['listen', '"8080"', 'flag --listen', 'HOST:PORT']);
    assertInvalid(() => load([], { SHARECAST_LISTEN: 'localhost:65536' }), ['listen', '"localhost:65536"', 'env SHARECAST_LISTEN', '0-65535']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'listen: 8080\n' }), ['listen', '8080', 'config file', 'HOST:PORT']);
  });

  it('cacheSize', () => {
    assertInvalid(() => load(['--cache-size', 'lots']), ['cacheSize', '"lots"', '--cache-size', /1MiB to 64GiB/]);
    assertInvalid(() => load(['--cache-size', '10KB']), ['cacheSize', '"10KB"', /1MiB to 64GiB/]);
    assertInvalid(() => load(['--cache-size', '1TB']), ['cacheSize', '"1TB"', /1MiB to 64GiB/]);
    assertInvalid(() => load(['--cache-size=-5MB']), ['cacheSize', '"-5MB"']);
  });

  it('pollInterval', () => {
    assertInvalid(() => load(['--poll-interval', '10']), ['pollInterval', '"10"', '--poll-interval', 'milliseconds from 50 to 10000']);
    assertInvalid(() => load([], { SHARECAST_POLL_INTERVAL: 'fast' }), ['pollInterval', '"fast"', 'SHARECAST_POLL_INTERVAL', '50 to 10000']);
    assertInvalid(() => load(['--poll-interval', ' ']), ['pollInterval', '50 to 10000']);
  });

  it('windowSeconds and offlineAfter', () => {
    assertInvalid(() => load(['--window', '1']), ['windowSeconds', '"1"', '--window', 'seconds from 2 to 600']);
    assertInvalid(() => load(['--window', 'NaN']), ['windowSeconds', '"NaN"', '2 to 600']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'window: [1]\n' }), ['windowSeconds', '[1]', 'config file', '2 to 600']);
    assertInvalid(() => load(['--offline-after', '0']), ['offlineAfter', '"0"', '1 to 3600']);
  });

  it('booleans', () => {
    assertInvalid(() => load([], { SHARECAST_POLL: 'maybe' }), ['poll', '"maybe"', 'env SHARECAST_POLL', 'true or false']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'poll: 2\n' }), ['poll', '2', 'config file', 'true or false']);
  });

  it('logLevel', () => {
    assertInvalid(() => load(['--log-level', 'loud']), ['logLevel', '"loud"', 'fatal, error, warn, info, debug, trace, silent']);
  });

  it('an unknown key in the file lists the known ones', () => {
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'listen: 0.0.0.0:80\nlisen: 1\n' }), ['lisen', FILE, 'unknown key', 'listen', 'windowSeconds']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'config: /other.yaml\n' }), ['config', 'unknown key']);
  });

  it('a config file that is not YAML, not a mapping, or missing', () => {
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'listen: [0.0.0.0:80\n' }), [FILE, 'not valid YAML or JSON']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: '- a\n- b\n' }), [FILE, 'mapping']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: '42\n' }), [FILE, 'mapping']);
    assertInvalid(() => load(['--config', '/nope.yaml']), ['config', '/nope.yaml', 'no such file']);
  });

  it('a bad source URI', () => {
    assertInvalid(() => load(['--source', 'http://cdn/live.m3u8']), ['sources', '"http://cdn/live.m3u8"', 'flag --source', 'use a path, file://, smb://, push or demo']);
    assertInvalid(() => load([], { SHARECAST_SOURCE: 'smb://nas' }), ['sources', '"smb://nas"', 'env SHARECAST_SOURCE', 'smb://[DOMAIN;]USER[:PASSWORD]@HOST']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'sources: [1, 2]\n' }), ['sources', '[1,2]', 'config file', 'list of [NAME=]URI']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'sources: {a: b}\n' }), ['sources', 'config file', 'list of [NAME=]URI']);
  });

  it('duplicate stream names', () => {
    assertInvalid(() => load(['--source', '/srv/a', '--source', '/srv/b']), ['two sources are named "live"', 'NAME=']);
    assertInvalid(() => load([], { SHARECAST_SOURCE: 'x=demo,x=/srv/b' }), ['"x"']);
  });

  it('the command line itself', () => {
    assertInvalid(() => load(['--lisen', '1']), ['command line', '--lisen', '--help']);
    assertInvalid(() => load(['/srv/obs/stream.m3u8']), ['command line', '/srv/obs/stream.m3u8']);
    assertInvalid(() => load(['--listen']), ['command line', '--listen']);
    assertInvalid(() => load(['--source', '--listen', 'x']), ['command line', '--source']);
  });
});

describe('loadConfig: secrets never appear in a message', () => {
  const TOKEN = 'Sekr1t-Tok';
  const PASSWORD = 'Pa55-W0rd';

  it('adminToken and smbPassword are shown as [redacted]', () => {
    assertInvalid(() => load(['--admin-token', TOKEN]), ['adminToken', '[redacted]', 'flag --admin-token', 'at least 16 characters'], [TOKEN]);
    assertInvalid(() => load([], { SHARECAST_ADMIN_TOKEN: TOKEN }), ['adminToken', '[redacted]'], [TOKEN]);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: `adminToken: ${TOKEN}\n` }), ['adminToken', '[redacted]'], [TOKEN]);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: 'smbPassword: 12345678\n' }), ['smbPassword', '[redacted]', 'config file'], ['12345678']);
    assertInvalid(() => load(['--config', FILE], {}, { [FILE]: `adminToken: "${TOKEN}\nlisten: 1\n` }), [FILE, 'YAML'], [TOKEN]);
  });

  it('the password inside an smb:// URI, from a flag, env, or the file, well-formed or not', () => {
    const cases: Array<[string[], Record<string, string>, Record<string, string>]> = [
      [['--source', `smb://obs:${PASSWORD}@nas`], {}, {}],
      [['--source', `smb://obs:${PASSWORD}@nas:99999/OBS/x.m3u8`], {}, {}],
      [['--source', `smb://DOM;obs:${PASSWORD}@nas/OBS/../x.m3u8`], {}, {}],
      [['--source', `smb://obs:100%${PASSWORD}@nas/OBS/x.m3u8`], {}, {}],
      [['--source', `smb://obs:${PASSWORD}@word@nas/OBS/x.m3u8`], {}, {}],
      [['--source', `smb://obs:${PASSWORD}/x@nas/OBS/x.m3u8`], {}, {}],
      [['--source', `Bad=smb://obs:${PASSWORD}@nas/OBS/x.m3u8`], {}, {}],
      [[`smb://obs:${PASSWORD}@nas/OBS/x.m3u8`], {}, {}],
      [[], { SHARECAST_SOURCE: `smb://obs:${PASSWORD}@nas` }, {}],
      [[], { SHARECAST_SOURCE: `smb://obs:${PASSWORD},x@nas/OBS/x.m3u8` }, {}],
      [['--config', FILE], {}, { [FILE]: `sources:\n  - smb://obs:${PASSWORD}@nas/OBS/x.m3u8\n  - 5\n` }],
      [['--config', FILE], {}, { [FILE]: `sources:\n  - {uri: "smb://obs:${PASSWORD}@nas/OBS/x.m3u8"}\n` }],
      [['--config', FILE], {}, { [FILE]: `source: smb://obs:${PASSWORD}@nas:0/OBS/x.m3u8\n` }],
    ];
    for (const [argv, env, files] of cases) {
      const msg = assertInvalid(() => load(argv, env, files), [], [PASSWORD, PASSWORD.slice(0, 4), PASSWORD.slice(-4)]);
      assert.ok(msg.length > 0);
    }
  });

  it('whatever the password and however the URI is broken (fast-check)', () => {
    const uri = fc.tuple(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('nas', 'nas:99999', '', 'nas:0', '[::1]', 'nas:abc'),
      fc.constantFrom('/OBS/x.m3u8', '', '/OBS/../x', '/', '/%zz/x'),
    );
    fc.assert(
      fc.property(uri, fc.constantFrom('flag', 'env', 'file'), ([pw, host, rest], where) => {
        const password = `Zq9${pw}`;
        const text = `smb://obs:${password}@${host}${rest}`;
        let message = '';
        try {
          if (where === 'flag') load(['--source', text]);
          else if (where === 'env') load([], { SHARECAST_SOURCE: text });
          else load(['--config', FILE], {}, { [FILE]: JSON.stringify({ source: text }) });
          return true; // a URI that happens to be valid: nothing shown
        } catch (err) {
          assert.ok(err instanceof SharecastError && err.code === ErrorCode.ConfigInvalid, String(err));
          message = err.message;
        }
        assert.ok(!message.includes(password), `${JSON.stringify(message)} shows ${JSON.stringify(password)}`);
        return true;
      }),
      { numRuns: 1000 },
    );
  });
});

describe('loadConfig: one name per option', () => {
  it('names every Config field after its key in the options table', async () => {
    const { OPTIONS } = await import('../../../src/config/options.js');
    const keys = new Set(OPTIONS.map((d) => d.key));
    const c = load(['--config', FILE, '--admin-token', 'x'.repeat(20), '--web', 'w', '--offline-image', 'o.png', '--streamer-name', 'me'], {}, { [FILE]: '' });
    for (const field of Object.keys(c)) assert.ok(keys.has(field), `Config.${field} is not an options-table key`);
    const unfilled = [...keys].filter((k) => !(k in c));
    assert.deepEqual(unfilled, ['smbPassword'], 'only smbPassword has no field (it is folded into the smb:// sources)');
  });
});
