import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { DataFile } from '../store/data-dir.js';

export interface AdminTokenInput {
  /** The adminToken setting (--admin-token, SHARECAST_ADMIN_TOKEN or the config file), if any. */
  adminToken: string | undefined;
  /** The data dir's admin-token file. */
  file: DataFile;
  logger: Logger;
  /** Where the one human line with a newly generated token goes (stderr). */
  print?: (line: string) => void;
}

export interface AdminToken {
  token: string;
  origin: 'config' | 'stored' | 'generated';
  /** The file holding a stored or generated token. */
  file: string | undefined;
}

/**
 * The admin token: the configured one; else the one stored in the data dir;
 * else a new one, stored there (mode 0600) and printed once on stderr. The
 * token itself never goes into the JSON log.
 */
export async function resolveAdminToken(input: AdminTokenInput): Promise<AdminToken> {
  if (input.adminToken !== undefined && input.adminToken !== '') {
    return { token: input.adminToken, origin: 'config', file: undefined };
  }
  const file = input.file.path;
  let stored: string | undefined;
  try {
    stored = (await input.file.readText())?.trim();
  } catch (err) {
    throw new Error(`cannot read the admin token in ${file}: ${(err as Error).message}`);
  }
  if (stored !== undefined && stored.length >= 16) {
    input.logger.info({ file }, `admin token: the one stored in ${file}`);
    return { token: stored, origin: 'stored', file };
  }
  const token = randomBytes(24).toString('base64url');
  await input.file.write(`${token}\n`);
  const print = input.print ?? ((line: string) => process.stderr.write(line));
  print(`\nsharecast: generated an admin token (stored in ${file}; shown only this once):\n\n    ${token}\n\nUse it as "Authorization: Bearer <token>" for /api/admin/*.\n\n`);
  input.logger.info({ file }, `admin token generated and stored in ${file}`);
  return { token, origin: 'generated', file };
}
