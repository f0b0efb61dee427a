import { createHash } from 'node:crypto';
import { ErrorCode, SharecastError } from '../errors.js';
import { skeleton } from './name-skeleton.js';

const LONE_SURROGATE = /\p{Cs}/u;

export const NAME_MAX_LENGTH = 30;

const ADJECTIVES = [
  'Amber', 'Bold', 'Brave', 'Breezy', 'Bright', 'Calm', 'Cheerful', 'Clever', 'Cosmic', 'Curious',
  'Daring', 'Dizzy', 'Dreamy', 'Eager', 'Electric', 'Fancy', 'Fearless', 'Fluffy', 'Friendly', 'Fuzzy',
  'Gentle', 'Giddy', 'Golden', 'Happy', 'Hasty', 'Humble', 'Jolly', 'Jumpy', 'Kind', 'Lively',
  'Lucky', 'Mellow', 'Merry', 'Mighty', 'Misty', 'Nimble', 'Noble', 'Peppy', 'Plucky', 'Polite',
  'Quick', 'Quiet', 'Rapid', 'Rusty', 'Shiny', 'Silly', 'Sleepy', 'Sly', 'Snappy', 'Sneaky',
  'Sparkly', 'Speedy', 'Spicy', 'Sunny', 'Swift', 'Tidy', 'Tiny', 'Velvet', 'Witty', 'Zany',
  'Zesty', 'Cozy', 'Frosty', 'Stormy',
] as const;

const ANIMALS = [
  'Alpaca', 'Badger', 'Beaver', 'Bison', 'Capybara', 'Cheetah', 'Cobra', 'Corgi', 'Coyote', 'Crane',
  'Dingo', 'Dolphin', 'Eagle', 'Falcon', 'Ferret', 'Finch', 'Fox', 'Gecko', 'Gibbon', 'Heron',
  'Hedgehog', 'Ibis', 'Jackal', 'Jaguar', 'Koala', 'Lemur', 'Lynx', 'Magpie', 'Marmot', 'Meerkat',
  'Mole', 'Moose', 'Narwhal', 'Newt', 'Ocelot', 'Octopus', 'Otter', 'Owl', 'Panda', 'Pelican',
  'Penguin', 'Puffin', 'Quokka', 'Rabbit', 'Raccoon', 'Raven', 'Salmon', 'Seal', 'Sloth', 'Sparrow',
  'Squid', 'Stoat', 'Swan', 'Tapir', 'Tiger', 'Toucan', 'Turtle', 'Walrus', 'Weasel', 'Wombat',
  'Yak', 'Zebra', 'Lobster', 'Mantis',
] as const;

/** A friendly name picked from the user id, so a returning viewer gets the same one. */
export function generatedName(userId: string): string {
  const h = createHash('sha256').update(`name:${userId}`).digest();
  const adjective = ADJECTIVES[h.readUInt16BE(0) % ADJECTIVES.length] as string;
  const animal = ANIMALS[h.readUInt16BE(2) % ANIMALS.length] as string;
  return `${adjective} ${animal}`;
}

/** Everything but letters, digits, symbols (emoji) and the marks on letters. */
const NOT_NAME_MATTER = /[^\p{L}\p{N}\p{S}\p{M}]+/gu;

function letters(name: string): string {
  return name.normalize('NFKC').replace(/[^\p{L}\p{N}\p{S}]+/gu, '');
}

/**
 * The form names are compared in: case, width, spacing and punctuation do
 * not make a name different, and neither do look-alike characters (the
 * UTS #39 skeleton): "Аdmin" with a Cyrillic А, "adm1n" and "A.D.M.I.N"
 * are all "admin". Letters, digits and symbols such as emoji do.
 */
export function foldName(name: string): string {
  // Lowercase again after the skeleton: some prototypes are capitals ("0" is "O").
  return skeleton(skeleton(letters(name).toLowerCase()).toLowerCase()).replace(NOT_NAME_MATTER, '');
}

/** The skeleton before lowercasing: catches a lowercase l standing for a capital I ("ADMlN"). */
function casedKey(name: string): string {
  return skeleton(letters(name)).toLowerCase().replace(NOT_NAME_MATTER, '');
}

/** The keys of the few words names are checked against (the reserved names), computed once each. */
const wordKeys = new Map<string, { folded: string; cased: Set<string> }>();

function keysOf(word: string): { folded: string; cased: Set<string> } {
  let keys = wordKeys.get(word);
  if (!keys) {
    const title = word.toLowerCase().replace(/(^|\s)\p{Ll}/gu, (c) => c.toUpperCase());
    keys = { folded: foldName(word), cased: new Set([word, word.toLowerCase(), word.toUpperCase(), title].map(casedKey)) };
    if (wordKeys.size >= 64) wordKeys.clear();
    wordKeys.set(word, keys);
  }
  return keys;
}

/** The first of `words` that `name` is, or looks like (in lower, upper or title case), or undefined. */
export function lookalikeOf(name: string, words: readonly string[]): string | undefined {
  const folded = foldName(name);
  let cased: string | undefined;
  for (const word of words) {
    const keys = keysOf(word);
    if (keys.folded === '') continue;
    if (keys.folded === folded || keys.cased.has((cased ??= casedKey(name)))) return word;
  }
  return undefined;
}

// C0/C1 controls, line and paragraph separators, bidirectional overrides and isolates, lone surrogates.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/u;

export const RESERVED_NAMES = ['admin', 'moderator', 'system'] as const;

/**
 * Checks a name a viewer asked for. Returns the trimmed name or throws
 * too_long / invalid with a message the viewer can read.
 */
export function validateName(raw: unknown, reserved: readonly string[]): string {
  if (typeof raw !== 'string') throw new SharecastError(ErrorCode.Invalid, 'the name must be text');
  if (LONE_SURROGATE.test(raw)) throw new SharecastError(ErrorCode.Invalid, 'the name is not valid text');
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new SharecastError(ErrorCode.Invalid, 'the name is empty');
  if ([...name].length > NAME_MAX_LENGTH) throw new SharecastError(ErrorCode.TooLong, `the name is longer than ${NAME_MAX_LENGTH} characters`);
  if (FORBIDDEN_IN_NAME.test(name)) throw new SharecastError(ErrorCode.Invalid, 'the name contains control characters');
  if (foldName(name).length === 0) throw new SharecastError(ErrorCode.Invalid, 'the name needs at least one letter, digit or emoji');
  if (lookalikeOf(name, reserved) !== undefined) throw new SharecastError(ErrorCode.Invalid, `"${name}" is reserved, or looks like a reserved name`);
  return name;
}
