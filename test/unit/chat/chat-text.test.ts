import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MESSAGE_MAX_LENGTH, validateMessageText } from '../../../src/chat/chat-text.js';
import { ErrorCode, SharecastError } from '../../../src/errors.js';

const codeOf = (v: unknown) => {
  try {
    validateMessageText(v);
    return 'ok';
  } catch (err) {
    return err instanceof SharecastError ? err.code : 'other';
  }
};

describe('chat message text', () => {
  it('keeps text as it is, HTML included (clients render text, never HTML)', () => {
    assert.equal(validateMessageText('<b>hi</b> & <script>x</script>'), '<b>hi</b> & <script>x</script>');
  });
  it('trims and normalises line breaks', () => {
    assert.equal(validateMessageText('  a\r\nb\rc  '), 'a\nb\nc');
  });
  it('allows 500 characters and refuses 501 with too_long', () => {
    assert.equal(codeOf('x'.repeat(MESSAGE_MAX_LENGTH)), 'ok');
    assert.equal(codeOf('🙂'.repeat(MESSAGE_MAX_LENGTH)), 'ok');
    assert.equal(codeOf('x'.repeat(MESSAGE_MAX_LENGTH + 1)), ErrorCode.TooLong);
  });
  it('refuses empty text, non-text, control characters and lone surrogates with invalid', () => {
    for (const v of ['', '   ', 5, null, { text: 'x' }, 'a\u0000', 'a\u001b[31m', 'x\u202Ey', '\udc00']) assert.equal(codeOf(v), ErrorCode.Invalid, JSON.stringify(v));
  });
  it('never throws anything but too_long or invalid, and accepted text is never longer than the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 700 }), (s) => {
        const c = codeOf(s);
        if (c === 'ok') return [...validateMessageText(s)].length <= MESSAGE_MAX_LENGTH;
        return c === ErrorCode.TooLong || c === ErrorCode.Invalid;
      }),
    );
  });
});
