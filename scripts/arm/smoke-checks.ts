/**
 * What the ARM smoke run asks of the server it started: a free loopback port,
 * HTTP GETs, and whether a segment is MPEG-TS and one of the demo's files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export { freePort } from '../../test/helpers/ports.js';

export async function get(url: string, timeoutMs = 15_000): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

export function isMpegTs(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes.length % 188 !== 0) return false;
  for (let i = 0; i < bytes.length; i += 188) if (bytes[i] !== 0x47) return false;
  return true;
}

export function segmentUrls(playlist: string, base: string): string[] {
  return playlist
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => new URL(l, base).href);
}

/** A fixture file with these exact bytes, relative to the app folder. */
export function findFixture(appDir: string, bytes: Buffer): string | undefined {
  const want = createHash('sha256').update(bytes).digest('hex');
  const stack = [join(appDir, 'fixtures')];
  while (stack.length) {
    const dir = stack.pop() as string;
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && statSync(p).size === bytes.length && createHash('sha256').update(readFileSync(p)).digest('hex') === want) {
        return relative(appDir, p);
      }
    }
  }
  return undefined;
}
