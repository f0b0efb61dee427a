import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChatNames } from '../../../src/chat/chat-names.js';
import type { NameStore } from '../../../src/chat/name-store.js';
import { foldName, generatedName, lookalikeOf, validateName } from '../../../src/chat/names.js';
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

  it('refuses look-alikes of reserved names (UTS #39 skeleton)', () => {
    const streamer = [...reserved, 'Streamer'];
    const lookalikes = [
      '\u0410dmin', // Cyrillic А
      'Str\u0435amer', // Cyrillic е
      '\u0430\u0434min', // not a look-alike: д is not d
      'ADM1N', // a one for the capital I
      'ADMlN', // a lowercase l for the capital I
      'rnoderator', // rn for m
      'ad\u200Bmin', // a zero-width space
      '\u0455y\u0455tem', // Cyrillic ѕ
      '\uD835\uDC1A\uD835\uDC1D\uD835\uDC26\uD835\uDC22\uD835\uDC27', // mathematical bold admin
      'D\u0408 Nova', // Cyrillic Ј
    ];
    const results = lookalikes.map((n) => codeOf(() => validateName(n, streamer)));
    assert.deepEqual(results, [ErrorCode.Invalid, ErrorCode.Invalid, 'ok', ErrorCode.Invalid, ErrorCode.Invalid, ErrorCode.Invalid, ErrorCode.Invalid, ErrorCode.Invalid, ErrorCode.Invalid, ErrorCode.Invalid]);
    assert.match((() => { try { validateName('\u0410dmin', streamer); } catch (e) { return (e as Error).message; } return ''; })(), /reserved/);
  });

  it('keeps names in other scripts and names that only contain a reserved word', () => {
    for (const n of ['Админ', 'Στρατός', '管理员', 'admin fan', 'Sysadmin Sam', 'Adminа']) assert.equal(validateName(n, reserved), n, n);
    assert.equal(lookalikeOf('Sunny Magpie', reserved), undefined);
    assert.equal(lookalikeOf('ADMlN', reserved), 'admin');
  });

  it('folds look-alikes to one form', () => {
    assert.equal(foldName('Br\u0430ve Otter'), foldName('Brave Otter'), 'Cyrillic а');
    assert.equal(foldName('B0b'), foldName('bob'));
    assert.notEqual(foldName('Brave Otter'), foldName('Brave Otters'));
  });

  it('refuses a look-alike of a connected user\'s name', () => {
    const saved = new Map<string, string>();
    const store = { get: (id: string) => saved.get(id), set: (id: string, n: string) => saved.set(id, n), close: async () => {} } as unknown as NameStore;
    const names = new ChatNames(store, () => []);
    const a = names.claim('aaaaaaaaaaaa');
    names.rename('aaaaaaaaaaaa', a, 'Brave Otter');
    assert.equal(codeOf(() => names.check('bbbbbbbbbbbb', 'Br\u0430ve Otter')), ErrorCode.Invalid, 'Cyrillic а');
    assert.equal(codeOf(() => names.check('bbbbbbbbbbbb', 'Brave 0tter')), ErrorCode.Invalid, 'zero for O');
    assert.equal(names.check('aaaaaaaaaaaa', 'Br\u0430ve Otter'), 'Br\u0430ve Otter', 'the holder may respell their own name');
    names.release('aaaaaaaaaaaa', 'Brave Otter');
    assert.equal(names.check('bbbbbbbbbbbb', 'Br\u0430ve Otter'), 'Br\u0430ve Otter', 'free once they left');
  });
});
