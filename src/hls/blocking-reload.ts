/**
 * LL-HLS blocking playlist reload (RFC 8216bis 6.2.5.2 and 6.2.5.3), as pure
 * decisions: which delivery directives a request carries, and whether the
 * current playlist answers it, or the request waits for a later one.
 */

/** The delivery directives of a playlist request's query. */
export interface Directives {
  /** _HLS_msn: hold until the playlist holds this media sequence number (or later). */
  msn?: number;
  /** _HLS_part: with msn, hold until this part (or a later one) exists. */
  part?: number;
  /** _HLS_skip: the client takes a delta update. */
  skip?: 'YES' | 'v2';
}

export type ParsedDirectives = { ok: true; directives: Directives } | { ok: false; message: string };

const INDEX = /^(0|[1-9]\d{0,15})$/;

/** Reads _HLS_msn, _HLS_part and _HLS_skip from a query string (without the "?"). Other parameters are ignored. */
export function parseDirectives(query: string): ParsedDirectives {
  const d: Directives = {};
  if (query === '') return { ok: true, directives: d };
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq >= 0 ? pair.slice(0, eq) : pair;
    const value = eq >= 0 ? pair.slice(eq + 1) : '';
    if (key === '_HLS_msn' || key === '_HLS_part') {
      if (!INDEX.test(value) || !Number.isSafeInteger(Number(value))) return { ok: false, message: `${key} must be a whole number, not "${value.slice(0, 40)}"` };
      if (key === '_HLS_msn') d.msn = Number(value);
      else d.part = Number(value);
    } else if (key === '_HLS_skip') {
      if (value !== 'YES' && value !== 'v2') return { ok: false, message: `_HLS_skip must be YES or v2, not "${value.slice(0, 40)}"` };
      d.skip = value;
    }
  }
  if (d.part !== undefined && d.msn === undefined) return { ok: false, message: '_HLS_part needs _HLS_msn' };
  return { ok: true, directives: d };
}

/** What a blocking request is compared against: the live edge of the current playlist. */
export interface PlaylistEdge {
  /** Media sequence number of the last complete segment. */
  lastMsn: number;
  /** Parts listed for that last complete segment (0 without parts). */
  lastSegmentParts: number;
  /** Parts published so far of the segment after it, still being written. */
  partsInProgress: number;
  /** EXT-X-ENDLIST: directives are ignored. */
  endList: boolean;
  /** EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES: without it, directives are ignored. */
  canBlockReload: boolean;
}

export type Verdict = 'serve' | 'hold' | 'too-far';

/**
 * Whether the current playlist answers a request with these directives now
 * ('serve'), only a later version will ('hold'), or the request asks for more
 * than two segments beyond the live edge ('too-far': 400).
 */
export function verdict(d: Directives, edge: PlaylistEdge): Verdict {
  if (d.msn === undefined || !edge.canBlockReload || edge.endList) return 'serve';
  if (d.msn > edge.lastMsn + 2) return 'too-far';
  if (d.msn <= edge.lastMsn) {
    if (d.part === undefined || d.msn < edge.lastMsn || edge.lastSegmentParts === 0) return 'serve';
    // A part index past the segment's last part stands for part 0 of the next segment.
    return d.part < edge.lastSegmentParts || edge.partsInProgress > 0 ? 'serve' : 'hold';
  }
  if (d.msn === edge.lastMsn + 1 && d.part !== undefined) return d.part < edge.partsInProgress ? 'serve' : 'hold';
  return 'hold';
}
