import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { resolveInside } from '../../../src/ingest/safe-path.js';

function assertOutside(dir: string, uri: string): void {
  assert.throws(
    () => resolveInside(dir, uri),
    (err: unknown) => err instanceof SharecastError && err.code === ErrorCode.PathOutsideSource && !err.message.includes('\n'),
    `${JSON.stringify(dir)} + ${JSON.stringify(uri)} should be refused`,
  );
}

describe('resolveInside', () => {
  it('joins what OBS writes to the playlist folder', () => {
    assert.equal(resolveInside('', 'stream0.ts'), 'stream0.ts');
    assert.equal(resolveInside('', '2026-11-20 18-04-15 12.ts'), '2026-11-20 18-04-15 12.ts');
    assert.equal(resolveInside('obs', 'init.mp4'), 'obs/init.mp4');
    assert.equal(resolveInside('obs/live', 'seg/a.m4s'), 'obs/live/seg/a.m4s');
    assert.equal(resolveInside('', './a.ts'), 'a.ts');
    assert.equal(resolveInside('obs', '../a.ts'), 'a.ts', 'up, but still inside the source');
    assert.equal(resolveInside('obs/', 'x//y.ts'), 'obs/x/y.ts');
    assert.equal(resolveInside('', 'Live%20Now/a%20b.ts'), 'Live Now/a b.ts');
    assert.equal(resolveInside('', '...ts'), '...ts');
  });

  it('applies the same rules to the playlist folder', () => {
    assertOutside('..', 'a.ts');
    assertOutside('obs/../..', 'a.ts');
    assert.equal(resolveInside('obs/../live', 'a.ts'), 'live/a.ts');
  });

  it('refuses ../ above the source, also %-escaped', () => {
    assertOutside('', '../a.ts');
    assertOutside('', '../../etc/passwd');
    assertOutside('obs', '../../a.ts');
    assertOutside('', 'a/../../b.ts');
    assertOutside('', '%2e%2e/etc/passwd');
    assertOutside('', '%2E%2E%2Fetc%2Fpasswd');
    assertOutside('', '..%2f..%2fetc%2fpasswd');
    assertOutside('', '.%2e/x');
  });

  it('refuses absolute paths and URLs', () => {
    assertOutside('', '/etc/passwd');
    assertOutside('', '//server/share/x.ts');
    assertOutside('', '%2fetc%2fpasswd');
    assertOutside('', 'http://evil.example/a.ts');
    assertOutside('', 'https://cdn/a.ts');
    assertOutside('', 'file:///etc/passwd');
    assertOutside('', 'smb://nas/share/a.ts');
    assertOutside('', 'data:video/mp2t;base64,AAAA');
    assertOutside('', 'C:/Windows/win.ini');
    assertOutside('', 'c:x.ts');
  });

  it('refuses backslashes, NUL and control characters, raw or %-escaped', () => {
    assertOutside('', 'C:\\Windows\\win.ini');
    assertOutside('', '..\\..\\x.ts');
    assertOutside('', 'a%5c..%5c..%5cx.ts');
    assertOutside('', 'a.ts\u0000.jpg');
    assertOutside('', 'a.ts%00');
    assertOutside('', 'a\nb.ts');
    assertOutside('', 'a%0Ab.ts');
  });

  it('refuses what names no file and broken escapes', () => {
    assertOutside('', '');
    assertOutside('', '.');
    assertOutside('', './');
    assertOutside('', '%');
    assertOutside('', '%zz.ts');
    assertOutside('', '%E0%A4%A.ts');
  });

  it('never returns an absolute path or a ".." part, whatever the input (fast-check)', () => {
    const piece = fc.oneof(
      fc.constantFrom('..', '.', '', '%2e%2e', '%2E.', '%2f', '/', '\\', 'a', 'b.ts', '%00', ':', 'C:', 'http:', '%', '%25', '%252e'),
      fc.string({ maxLength: 6 }),
    );
    const path = fc.tuple(fc.array(piece, { maxLength: 8 }), fc.constantFrom('/', '')).map(([parts, sep]) => parts.join(sep));
    const anything = fc.oneof(path, fc.string({ unit: 'binary', maxLength: 30 }));
    fc.assert(
      fc.property(fc.oneof(fc.constant(''), anything), anything, (dir, uri) => {
        let out: string;
        try {
          out = resolveInside(dir, uri);
        } catch (err) {
          assert.ok(err instanceof SharecastError && err.code === ErrorCode.PathOutsideSource, String(err));
          return true;
        }
        assert.ok(out.length > 0);
        assert.ok(!out.startsWith('/'), out);
        for (const part of out.split('/')) {
          assert.notEqual(part, '..', out);
          assert.notEqual(part, '.', out);
          assert.notEqual(part, '', out);
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
