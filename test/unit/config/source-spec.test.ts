import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeSourceSpec, parseSourceSpec, type SourceSpec } from '../../../src/config/source-spec.js';
import { ErrorCode, SharecastError } from '../../../src/errors.js';

const CWD = '/home/obs/sharecast';

function assertConfigError(text: string, message: RegExp, secret?: string): void {
  assert.throws(
    () => parseSourceSpec(text, CWD),
    (err: unknown) => {
      assert.ok(err instanceof SharecastError, String(err));
      assert.equal(err.code, ErrorCode.ConfigInvalid);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
      if (secret !== undefined) assert.ok(!err.message.includes(secret), `message shows the password: ${err.message}`);
      return true;
    },
  );
}

describe('parseSourceSpec: [NAME=]URI', () => {
  it('reads "demo", with or without a name', () => {
    assert.deepEqual(parseSourceSpec('demo', CWD), { kind: 'demo', name: 'live' });
    assert.deepEqual(parseSourceSpec(' tv=demo ', CWD), { kind: 'demo', name: 'tv' });
  });

  it('reads absolute and relative paths (spaces and all), relative to the working folder', () => {
    assert.deepEqual(parseSourceSpec('/srv/obs/2026-11-20 18-04-15.m3u8', CWD), { kind: 'folder', name: 'live', path: '/srv/obs/2026-11-20 18-04-15.m3u8' });
    assert.deepEqual(parseSourceSpec('recordings/stream.m3u8', CWD), { kind: 'folder', name: 'live', path: '/home/obs/sharecast/recordings/stream.m3u8' });
    assert.deepEqual(parseSourceSpec('./a/../b//c/', CWD), { kind: 'folder', name: 'live', path: '/home/obs/sharecast/b/c' });
    assert.deepEqual(parseSourceSpec('../obs', CWD), { kind: 'folder', name: 'live', path: '/home/obs/obs' });
    assert.deepEqual(parseSourceSpec('main=/srv/obs', CWD), { kind: 'folder', name: 'main', path: '/srv/obs' });
    // An "=" inside a path is not a name.
    assert.deepEqual(parseSourceSpec('/srv/a=b/stream.m3u8', CWD), { kind: 'folder', name: 'live', path: '/srv/a=b/stream.m3u8' });
  });

  it('reads file:// URIs with %-escapes', () => {
    assert.deepEqual(parseSourceSpec('file:///srv/OBS%20Output/stream.m3u8', CWD), { kind: 'folder', name: 'live', path: '/srv/OBS Output/stream.m3u8' });
    assert.deepEqual(parseSourceSpec('cam2=file://localhost/srv/cam2', CWD), { kind: 'folder', name: 'cam2', path: '/srv/cam2' });
  });

  it('refuses a file:// URI naming another machine instead of reading a local path', () => {
    assertConfigError('file://nas/obs/stream.m3u8', /file:\/\/.*host.*smb:\/\//);
  });

  it('reads smb:// URIs: domain, user, password, port, share, path and %-escapes', () => {
    assert.deepEqual(parseSourceSpec('smb://obs:hunter2@192.168.1.20/OBS/live/stream.m3u8', CWD), {
      kind: 'smb',
      name: 'live',
      host: '192.168.1.20',
      port: 445,
      domain: '',
      user: 'obs',
      password: 'hunter2',
      share: 'OBS',
      path: 'live/stream.m3u8',
    });
    assert.deepEqual(parseSourceSpec('cam=smb://WORKGROUP;me%40home:p%40ss%3Aw%2Fd%25@nas.local:4450/OBS%20Share/Live%20Now/2026-11-20%2018-04-15.m3u8', CWD), {
      kind: 'smb',
      name: 'cam',
      host: 'nas.local',
      port: 4450,
      domain: 'WORKGROUP',
      user: 'me@home',
      password: 'p@ss:w/d%',
      share: 'OBS Share',
      path: 'Live Now/2026-11-20 18-04-15.m3u8',
    });
    assert.deepEqual(parseSourceSpec('SMB://[::1]:4450/share', CWD), { kind: 'smb', name: 'live', host: '::1', port: 4450, domain: '', user: '', password: '', share: 'share', path: '' });
    assert.deepEqual(parseSourceSpec('smb://guest@nas/public/obs/', CWD), { kind: 'smb', name: 'live', host: 'nas', port: 445, domain: '', user: 'guest', password: '', share: 'public', path: 'obs' });
  });

  it('gives a clear error for a bad source, naming what is wrong', () => {
    assertConfigError('', /may not be empty/);
    assertConfigError('   ', /may not be empty/);
    assertConfigError('http://example.com/live.m3u8', /scheme "http:\/\/" is not supported; use a path, file:\/\/, smb:\/\/, push or demo/);
    assertConfigError('rtmp://localhost/live', /"rtmp:\/\/"/);
    assertConfigError('Main=/srv/obs', /stream name "Main" must be 1-32 characters of a-z/);
    assertConfigError('-x=/srv/obs', /stream name "-x"/);
    assertConfigError(`${'a'.repeat(33)}=demo`, /stream name "a{33}"/);
    assertConfigError('smb://nas', /smb:\/\/\[DOMAIN;\]USER\[:PASSWORD\]@HOST\[:PORT\]\/SHARE/);
    assertConfigError('smb://user:pw@/share/x.m3u8', /smb:\/\/\[DOMAIN/, 'pw');
    assertConfigError('smb://nas:0/share/x.m3u8', /port 0 must be 1-65535/);
    assertConfigError('smb://nas:70000/share/x.m3u8', /port 70000 must be 1-65535/);
    assertConfigError('smb://nas/share/../../etc/x.m3u8', /may not contain "\.\."/);
    assertConfigError('smb://nas/share/a%2F..%2F..%2Fx.m3u8', /may not contain "\.\."/);
    assertConfigError('smb://nas/sh%zzare/x.m3u8', /broken %-escape/);
  });

  it('never shows the password in an error, even a malformed one', () => {
    assertConfigError('smb://obs:100%sure@nas/OBS/stream.m3u8', /%-escape/, '100%sure');
    assertConfigError('smb://obs:pa/ss@nas/OBS/stream.m3u8', /host/, 'pa/ss');
  });
});

describe('describeSourceSpec', () => {
  it('shows where a source is without its password', () => {
    const spec = parseSourceSpec('smb://DOM;obs:Sup3r-Secret@nas:4450/OBS/live/stream.m3u8', CWD);
    assert.equal(describeSourceSpec(spec), 'smb://DOM;obs@nas:4450/OBS/live/stream.m3u8');
    assert.equal(describeSourceSpec(parseSourceSpec('smb://nas/OBS', CWD)), 'smb://nas/OBS/');
    assert.equal(describeSourceSpec(parseSourceSpec('/srv/obs', CWD)), '/srv/obs');
    assert.equal(describeSourceSpec(parseSourceSpec('demo', CWD)), 'demo');
  });

  it('round-trips any password written %-escaped, and never describes it (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (pw, user) => {
        const password = `S3cret!${pw}`;
        const spec = parseSourceSpec(`smb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@nas.local/OBS/stream.m3u8`, CWD) as Extract<SourceSpec, { kind: 'smb' }>;
        assert.equal(spec.password, password);
        assert.equal(spec.user, user);
        assert.ok(!describeSourceSpec(spec).includes(password));
      }),
      { numRuns: 500 },
    );
  });
});
