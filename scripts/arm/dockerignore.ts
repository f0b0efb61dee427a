/**
 * .dockerignore rules as Docker applies them to the build context: Go
 * filepath.Match patterns plus `**`, relative to the context root, a leading
 * `!` re-includes, the last matching rule wins, and a rule that matches a
 * folder covers everything inside it.
 */
export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches any number of folders, `**` at the end anything.
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) {
        re += '\\[';
      } else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      re += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

function clean(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    const pattern = clean(line);
    if (pattern === '') continue;
    rules.push({ pattern, negate, regex: globToRegex(pattern) });
  }
  return rules;
}

/** Whether a path (relative to the context root, `/`-separated) is left out of the context. */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const rel = clean(path);
  if (rel === '') return false;
  const segments = rel.split('/');
  let ignored = false;
  for (const rule of rules) {
    // The path itself or one of the folders holding it.
    let matched = false;
    for (let n = 1; n <= segments.length && !matched; n++) matched = rule.regex.test(segments.slice(0, n).join('/'));
    if (matched) ignored = !rule.negate;
  }
  return ignored;
}
