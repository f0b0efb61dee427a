import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha1 } from './relay-watcher.js';

/** sha1 -> file name of every file ffmpeg wrote in `dir` with one of these endings. */
export function writtenFiles(dir: string, endings: string[] = ['.ts']): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (endings.some((e) => name.endsWith(e))) out.set(sha1(readFileSync(join(dir, name))), name);
  }
  return out;
}
