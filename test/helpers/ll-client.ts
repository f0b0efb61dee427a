/**
 * A simulated LL-HLS player: what hls.js does at the live edge of an LL
 * media playlist, without the media. It loads the playlist once, then loops:
 * a blocking reload for the next part (`_HLS_msn`, `_HLS_part`, and
 * `_HLS_skip=YES` once it has a playlist, in hls.js's order, so that players
 * ask for the very same URLs), then fetches the parts the answer lists that
 * it has not fetched yet.
 */

export interface LlClientStats {
  playlists: number;
  parts: number;
  /** Answers other than 200, by status ('0 CODE' for a network error or a timeout). */
  errors: Record<string, number>;
  /** How an edge answered (its X-Cache header: HIT, MISS, UPDATING…), playlists and parts together. */
  cache: Record<string, number>;
  /** The part URIs this player fetched. */
  partUris: string[];
  /** Milliseconds from sending a part request to its last byte. */
  partMs: number[];
  /** When each part's last byte came (Date.now()), by URI. */
  partAt: Record<string, number>;
}

/** The parts an LL media playlist lists, in order. */
export function partUris(text: string): string[] {
  return [...text.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1] as string);
}

/** The `?_HLS_msn=…&_HLS_part=…` that asks for the part after the last one an LL media playlist (or delta update) lists. */
export function nextPartDirective(text: string): string {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0) + Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(text)?.[1] ?? 0);
  let pending = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PART:')) pending += 1;
    else if (line !== '' && !line.startsWith('#')) {
      msn += 1;
      pending = 0;
    }
  }
  // msn is now the segment being written, with `pending` parts so far.
  return `?_HLS_msn=${msn}&_HLS_part=${pending}`;
}

export interface FollowOptions {
  /** e.g. http://127.0.0.1:8080/hls/live/ */
  base: string;
  playlist: string;
  /** Stop at this Date.now(). */
  until: number;
  /** Per-request limit; a blocking reload is held up to 3 target durations. */
  timeoutMs?: number;
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** Follows the live edge until `until`, part by part. */
export async function followLive(o: FollowOptions): Promise<LlClientStats> {
  const stats: LlClientStats = { playlists: 0, parts: 0, errors: {}, cache: {}, partUris: [], partMs: [], partAt: {} };
  const seen = new Set<string>();
  const timeout = o.timeoutMs ?? 10_000;
  let query = '';
  const get = async (url: string): Promise<Response | undefined> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
      const edge = res.headers.get('x-cache');
      if (edge) count(stats.cache, edge);
      if (res.status !== 200) {
        count(stats.errors, String(res.status));
        await res.arrayBuffer();
        return undefined;
      }
      return res;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      count(stats.errors, `0 ${e.cause?.code ?? e.name}`);
      return undefined;
    }
  };
  while (Date.now() < o.until) {
    const res = await get(`${o.base}${o.playlist}${query}`);
    if (!res) {
      query = '';
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const text = await res.text();
    stats.playlists += 1;
    const listed = partUris(text);
    // The first load starts at the newest part, as a player joining at the edge would.
    if (query === '') for (const uri of listed.slice(0, -1)) seen.add(uri);
    for (const uri of listed) {
      if (seen.has(uri)) continue;
      seen.add(uri);
      const t0 = performance.now();
      const part = await get(`${o.base}${uri}`);
      if (!part) continue;
      await part.arrayBuffer();
      stats.partMs.push(performance.now() - t0);
      stats.partAt[uri] = Date.now();
      stats.parts += 1;
      stats.partUris.push(uri);
    }
    query = `${nextPartDirective(text)}${/CAN-SKIP-UNTIL=/.test(text) ? '&_HLS_skip=YES' : ''}`;
  }
  return stats;
}
