// Runs simulated LL-HLS players (ll-client.ts) in a process of their own, so
// that the server under test is not starved of CPU by its own clients:
//   node --import tsx test/helpers/ll-players.ts <base url> <playlist> <players> <seconds>
// Prints one JSON line: the players' stats summed, and every part URI fetched.
import { followLive, type LlClientStats } from './ll-client.js';

export interface PlayersReport {
  players: number;
  playlists: number;
  parts: number;
  errors: Record<string, number>;
  cache: Record<string, number>;
  /** Distinct part URIs the players fetched. */
  partUris: string[];
  /** Milliseconds from a part request to its last byte, p50 and p95 over every player. */
  partMsP50: number;
  partMsP95: number;
  /** The median time (Date.now()) at which the players had each part, by URI. */
  partAtMedian: Record<string, number>;
}

function sum(reports: LlClientStats[]): PlayersReport {
  const errors: Record<string, number> = {};
  const cache: Record<string, number> = {};
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.cache)) cache[k] = (cache[k] ?? 0) + v;
  }
  const ms = reports.flatMap((r) => r.partMs).sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN;
  const times = new Map<string, number[]>();
  for (const r of reports) for (const [uri, t] of Object.entries(r.partAt)) times.set(uri, [...(times.get(uri) ?? []), t]);
  const partAtMedian: Record<string, number> = {};
  for (const [uri, t] of times) partAtMedian[uri] = t.sort((a, b) => a - b)[Math.floor(t.length / 2)] as number;
  return {
    players: reports.length,
    playlists: reports.reduce((a, r) => a + r.playlists, 0),
    parts: reports.reduce((a, r) => a + r.parts, 0),
    errors,
    cache,
    partUris: [...new Set(reports.flatMap((r) => r.partUris))],
    partMsP50: at(0.5),
    partMsP95: at(0.95),
    partAtMedian,
  };
}

const [base, playlist, players, seconds] = process.argv.slice(2);
if (!base || !playlist || !players || !seconds) {
  console.error('usage: ll-players.ts <base url> <playlist> <players> <seconds>');
  process.exit(2);
}
const until = Date.now() + Number(seconds) * 1000;
// Joined over half a second, as viewers arrive, not all in the same millisecond.
const reports = await Promise.all(
  Array.from({ length: Number(players) }, async (_, i) => {
    await new Promise((r) => setTimeout(r, (i * 500) / Number(players)));
    return followLive({ base, playlist, until });
  }),
);
console.log(JSON.stringify(sum(reports)));
