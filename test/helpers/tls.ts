import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSigned {
  dir: string;
  /** The certificate (PEM); also the CA file a client checks the server against. */
  cert: string;
  key: string;
  cleanup(): void;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 (and localhost), made
 * with openssl at test time: valid for two days, subjectAltName set, so a
 * client that verifies (ffmpeg with -tls_verify 1 -ca_file) accepts it.
 */
export function makeSelfSigned(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl could not make a certificate (npm test installs openssl): ${r.stderr || r.error?.message}`);
  return { dir, cert, key, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
