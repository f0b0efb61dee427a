import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { foldName, generatedName, validateName } from '../../../src/chat/names.js';
import { ErrorCode, SharecastError } from '../../../src/errors.js';

const reserved = ['admin', 'moderator', 'system', 'DJ Nova'];
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof SharecastError ? err.code : 'other';
  }
};

describe('chat names', () => {
  it('generates the same adjective + animal for the same id', () => {
    assert.equal(generatedName('abcdefghijkl'), generatedName('abcdefghijkl'));
    assert.match(generatedName('abcdefghijkl'), /^[A-Z][a-z]+ [A-Z][a-z]+$/);
    const names = new Set(Array.from({ length: 200 }, (_, i) => generatedName(`user${i}`)));
    assert.ok(names.size > 150, 'names are spread out');
  });

  it('never generates a name that would be refused', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 12 }), (id) => validateName(generatedName(id), reserved) === generatedName(id)));
  });

  it('trims and accepts 1-30 characters, counting code points', () => {
    assert.equal(validateName('  Ada  ', reserved), 'Ada');
    assert.equal(validateName('é'.repeat(30), reserved), 'é'.repeat(30));
    assert.equal(validateName('🦊'.repeat(30), reserved), '🦊'.repeat(30));
    assert.equal(codeOf(() => validateName('🦊'.repeat(31), reserved)), ErrorCode.TooLong);
  });

  it('refuses reserved names whatever the case, spacing or width', () => {
    for (const n of ['admin', 'ADMIN', ' Admin ', 'a.d.m.i.n', 'ａｄｍｉｎ', 'Moderator', 'system', 'dj nova', 'DJ-NOVA']) {
      assert.equal(codeOf(() => validateName(n, reserved)), ErrorCode.Invalid, n);
    }
    assert.equal(validateName('admin fan', reserved), 'admin fan', 'containing a reserved word is fine');
  });

  it('refuses control characters, bidi overrides, lone surrogates and names without letters', () => {
    for (const n of ['a\u0000b', 'tab\there', 'new\nline', 'x\u202Ey', 'x\u2066y', '\ud800x', '!!!', '']) {
      assert.equal(codeOf(() => validateName(n, reserved)), ErrorCode.Invalid, JSON.stringify(n));
    }
    assert.equal(codeOf(() => validateName(7, reserved)), ErrorCode.Invalid);
  });

  it('folds names for comparison', () => {
    assert.equal(foldName('Brave  Otter'), foldName('brave-otter'));
    assert.notEqual(foldName('Brave Otter'), foldName('Brave Otters'));
  });
});
