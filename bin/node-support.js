// Whether the Node.js running sharecast is a line it is tested on and that
// still gets security fixes, from the dates in node-lines.json. bin/sharecast.js
// prints the warning at start-up; the functions take their inputs so that
// test/unit/build/node-support.test.ts can try any version, system and date.
import { readFileSync } from 'node:fs';

/** node-lines.json, beside this file. */
export function loadNodeLines() {
  return JSON.parse(readFileSync(new URL('./node-lines.json', import.meta.url), 'utf8'));
}

/** /etc/os-release's KEY=value lines (values unquoted). */
export function parseOsRelease(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/**
 * Who supports the running Node.js, and until when. Debian's own nodejs
 * package (/usr/bin/node on a Debian release the table knows, of the line
 * that release ships) is supported by Debian's security team for the
 * release's life; any other build by the Node.js project until its line's
 * end of life.
 */
export function nodeSupport({ version, execPath, osRelease }, table) {
  const line = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const entry = table.nodeLines[String(line)];
  const tested = entry?.tested === true;
  const debian = osRelease.ID === 'debian' && osRelease.VERSION_CODENAME ? table.debian[osRelease.VERSION_CODENAME] : undefined;
  if (debian && debian.nodeLine === line && execPath === '/usr/bin/node') {
    return { line, version, tested, by: `Debian ${debian.version} (${osRelease.VERSION_CODENAME})`, supportedUntil: debian.securityUntil };
  }
  return { line, version, tested, by: 'the Node.js project', supportedUntil: entry?.eol };
}

/**
 * What to run instead on `today`: tested lines the Node.js project still
 * supports, then Debian releases whose nodejs package is a tested line.
 */
function supportedChoices(table, today) {
  const tested = (line) => table.nodeLines[String(line)]?.tested === true;
  const lines = Object.entries(table.nodeLines)
    .filter(([line, e]) => tested(line) && e.eol >= today)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([line, e]) => `Node.js ${line} (supported until ${e.eol})`);
  const debian = Object.values(table.debian)
    .filter((d) => tested(d.nodeLine) && d.securityUntil >= today)
    .map((d) => `Debian ${d.version}'s nodejs package (Node.js ${d.nodeLine}, supported by Debian until ${d.securityUntil})`);
  return [...lines, ...debian];
}

/**
 * The warning for this Node.js on `today` (YYYY-MM-DD), or undefined when it
 * is a tested line that is still supported. Dates are inclusive: a line is
 * supported through its end-of-life day.
 */
export function nodeWarning(support, table, today) {
  const problems = [];
  if (support.supportedUntil !== undefined && support.supportedUntil < today) {
    problems.push(
      `Node.js ${support.line} (${support.version}) reached its end of life on ${support.supportedUntil}: ` +
        `it gets no more security fixes from ${support.by}.`,
    );
  }
  if (!support.tested) {
    const tested = Object.keys(table.nodeLines).filter((l) => table.nodeLines[l].tested);
    problems.push(`Node.js ${support.line} (${support.version}) is not a line sharecast is tested on (${tested.join(', ')}).`);
  }
  if (problems.length === 0) return undefined;
  const choices = supportedChoices(table, today);
  const advice = choices.length ? ` Run sharecast on ${choices.join(', or ')}.` : '';
  return `sharecast: warning: ${problems.join(' ')}${advice}`;
}

/** The warning for the Node.js running this process, today; never throws. */
export function startupWarning() {
  try {
    let osRelease = {};
    try {
      osRelease = parseOsRelease(readFileSync('/etc/os-release', 'utf8'));
    } catch {
      // not Linux, or no os-release: judged as a Node.js project build
    }
    const table = loadNodeLines();
    const support = nodeSupport({ version: process.version, execPath: process.execPath, osRelease }, table);
    return nodeWarning(support, table, new Date().toISOString().slice(0, 10));
  } catch (err) {
    return `sharecast: warning: could not check this Node.js against bin/node-lines.json (${err instanceof Error ? err.message : String(err)}).`;
  }
}
