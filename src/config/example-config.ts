import { OPTIONS, envName, fullHelp } from './options.js';
import { wrapText } from './wrap-text.js';

/**
 * The documented example config file (sharecast.example.yaml), made from the
 * options table so it always lists every key with its default.
 */
export function exampleConfig(): string {
  const out = [
    '# sharecast configuration: every key, with its default.',
    '# Use it with `sharecast --config sharecast.yaml` (YAML or JSON).',
    '# Precedence: command-line flag > SHARECAST_* environment variable > this file > default.',
    '',
  ];
  for (const def of OPTIONS) {
    if (def.key === 'config') continue;
    for (const line of wrapText(fullHelp(def), 76)) out.push(`# ${line}`);
    out.push(`# flag --${def.flag}, env ${envName(def)}`);
    if (def.secret) out.push('# Prefer the variable to this file too; kept here, the file must be readable only by sharecast\'s user (chmod 600).');
    out.push(`${def.default === undefined ? '# ' : ''}${def.key}: ${yamlValue(def)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function yamlValue(def: (typeof OPTIONS)[number]): string {
  const v = def.default;
  if (v === undefined) return def.key === 'sources' ? '[]' : `"" # not set`;
  if (Array.isArray(v)) return v.length === 0 ? '[] # e.g. ["live=/srv/obs/stream.m3u8"]; none means the demo stream' : `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The options as a Markdown table (README.md). */
export function optionsTable(): string {
  const rows = ['| flag | environment | file key | default | what |', '| --- | --- | --- | --- | --- |'];
  for (const def of OPTIONS) {
    const d = def.default;
    const shown = d === undefined ? '—' : Array.isArray(d) ? (d.length === 0 ? 'demo' : d.join(', ')) : String(d);
    const flag = `--${def.flag}${def.type === 'boolean' ? '' : ` ${def.arg ?? 'VALUE'}`}`;
    rows.push(`| \`${flag}\` | \`${envName(def)}\` | \`${def.key}\` | ${shown} | ${fullHelp(def).replace(/\|/g, '\\|')} |`);
  }
  return `${rows.join('\n')}\n`;
}
