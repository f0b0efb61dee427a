import { OPTIONS, envName, fullHelp } from './options.js';
import { wrapText } from './wrap-text.js';

/** The text of `sharecast --help`, made from the options table. */
export function helpText(version: string): string {
  const lines = [
    `sharecast ${version}: relays OBS's HLS output from a folder or SMB share to viewers, with a web player and chat.`,
    '',
    'Usage: sharecast [--source [NAME=]URI]... [options]',
    '',
    'Options (each also as env SHARECAST_<FLAG> or as a key in the --config file;',
    'precedence: flag > env > file > default).',
    ...wrapText(
      `Secrets: ${OPTIONS.filter((d) => d.secret).map((d) => `--${d.flag}`).join(', ')} and a password in an smb:// URI given to ${OPTIONS.filter((d) => d.carriesSmbPassword).map((d) => `--${d.flag}`).join(', ')} show in the process list (ps) to every user of this machine; set them as SHARECAST_* variables instead, which only you and root can read.`,
      78,
    ),
    '',
  ];
  for (const def of OPTIONS) {
    const flag = `--${def.flag}${def.type === 'boolean' ? '' : ` ${def.arg ?? 'VALUE'}`}`;
    const dflt = def.default === undefined || (Array.isArray(def.default) && def.default.length === 0) ? '' : ` [default: ${Array.isArray(def.default) ? def.default.join(',') : String(def.default)}]`;
    lines.push(`  ${flag}`);
    lines.push(...wrapText(`${fullHelp(def)}${dflt}`, 74).map((l) => `      ${l}`));
    lines.push(`      env ${envName(def)}, config key "${def.key}"`);
  }
  lines.push('  --help, -h', '      Show this text.', '  --version', '      Print the version.', '');
  lines.push('Examples:', '  sharecast                                     # the demo stream on :8080', '  sharecast --source /srv/obs/stream.m3u8', '  SHARECAST_SMB_PASSWORD=… sharecast --source smb://obs@192.168.1.20/OBS/stream.m3u8', '');
  return lines.join('\n');
}
