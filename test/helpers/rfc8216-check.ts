import hlsParser from 'hls-parser';
import { llPlaylistProblems } from './ll-hls-check.js';

/**
 * An RFC 8216 validator for the relay's media playlists, read from the text
 * itself (not through the parser the relay uses), version after version:
 * what each version must be on its own, and what may change from one version
 * to the next (section 6.2.1). Versions may be missed between two looks (a
 * poll sees some of them), so every rule holds across any gap.
 */
export interface Rfc8216Options {
  /**
   * While the playlist is live, a new segment must appear within 1.5 target
   * durations (RFC 8216 6.2.1). Checked when versions come with the time they
   * were fetched, allowing this much for the poll itself (ms). Default 400.
   */
  growthSlackMs?: number;
}

export interface CheckedPlaylist {
  version: number | null;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  endList: boolean;
  segments: Array<{ msn: number; uri: string; duration: number; discontinuity: boolean }>;
}

const DECIMAL = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const INTEGER = /^[0-9]+$/;

/** The rules one version must keep on its own. Returns the playlist as read (null if unreadable) and the problems. */
export function playlistProblems(text: string): { playlist: CheckedPlaylist | null; problems: string[] } {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[0] !== '#EXTM3U') return { playlist: null, problems: ['the first line is not #EXTM3U'] };
  if (text.includes('\r')) problems.push('a carriage return in the text (the relay writes LF)');
  const once = (tag: string) => {
    const found = lines.filter((l) => l.startsWith(`${tag}:`) || l === tag);
    if (found.length > 1) problems.push(`${tag} appears ${found.length} times`);
    return found[0];
  };
  const value = (line: string | undefined) => (line === undefined ? undefined : line.slice(line.indexOf(':') + 1));
  const td = value(once('#EXT-X-TARGETDURATION'));
  if (td === undefined || !INTEGER.test(td)) problems.push(`EXT-X-TARGETDURATION is ${td === undefined ? 'missing' : `"${td}", not a decimal-integer`}`);
  const ms = value(once('#EXT-X-MEDIA-SEQUENCE')) ?? '0';
  const ds = value(once('#EXT-X-DISCONTINUITY-SEQUENCE')) ?? '0';
  if (!INTEGER.test(ms)) problems.push(`EXT-X-MEDIA-SEQUENCE "${ms}" is not a decimal-integer`);
  if (!INTEGER.test(ds)) problems.push(`EXT-X-DISCONTINUITY-SEQUENCE "${ds}" is not a decimal-integer`);
  const versionText = value(once('#EXT-X-VERSION'));
  const version = versionText === undefined ? null : Number(versionText);
  once('#EXT-X-ENDLIST');
  const targetDuration = Number(td);
  const playlist: CheckedPlaylist = { version, targetDuration, mediaSequence: Number(ms), discontinuitySequence: Number(ds), endList: false, segments: [] };
  let extinf: number | undefined;
  let discontinuity = false;
  let fractional = false;
  let map = false;
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}`;
    if (line === '' && i === lines.length - 1) continue;
    if (line === '') problems.push(`${where} is empty`);
    else if (line.startsWith('#EXTINF:')) {
      if (extinf !== undefined) problems.push(`${where}: a second EXTINF for one segment`);
      const d = (line.slice(8).split(',')[0] ?? '').trim();
      if (!DECIMAL.test(d)) problems.push(`${where}: EXTINF "${d}" is not a decimal number`);
      extinf = Number(d);
      if (!Number.isInteger(extinf)) fractional = true;
      if (Math.round(extinf) > targetDuration) problems.push(`${where}: EXTINF ${d} rounds to more than the target duration ${targetDuration}`);
    } else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-MAP:')) map = true;
    else if ((line.startsWith('#EXT-X-MEDIA-SEQUENCE:') || line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) && playlist.segments.length > 0) {
      problems.push(`${where}: ${line.split(':')[0]} after the first segment`);
    } else if (line === '#EXT-X-ENDLIST') playlist.endList = true;
    else if (!line.startsWith('#')) {
      if (playlist.endList) problems.push(`${where}: a segment after EXT-X-ENDLIST`);
      if (extinf === undefined) problems.push(`${where}: segment "${line}" has no EXTINF`);
      if (line.trim() !== line) problems.push(`${where}: a URI with spaces around it`);
      playlist.segments.push({ msn: playlist.mediaSequence + playlist.segments.length, uri: line, duration: extinf ?? 0, discontinuity });
      extinf = undefined;
      discontinuity = false;
    }
  }
  if (extinf !== undefined) problems.push('an EXTINF with no segment after it');
  if (version !== null) {
    if (fractional && version < 3) problems.push(`fractional EXTINF durations need EXT-X-VERSION 3 (it is ${version})`);
    if (map && version < 6) problems.push(`EXT-X-MAP in a media playlist needs EXT-X-VERSION 6 (it is ${version})`);
  } else if (fractional || map) problems.push('no EXT-X-VERSION, though the playlist needs more than version 1');
  if (lines.some((l) => l.startsWith('#EXT-X-PART-INF:'))) problems.push(...llPlaylistProblems(text));
  else {
    // A third party's reading, strict.
    hlsParser.setOptions({ strictMode: true, silent: true });
    try {
      const parsed = hlsParser.parse(text);
      if (parsed.isMasterPlaylist) problems.push('a master playlist where a media playlist was expected');
    } catch (err) {
      problems.push(`hls-parser (strict): ${(err as Error).message}`);
    }
  }
  return { playlist, problems };
}

/** What may change from one version to a later one (RFC 8216 6.2.1, 6.2.2); `prev` and `next` may have versions between them. */
export function transitionProblems(prev: CheckedPlaylist, next: CheckedPlaylist, o: Rfc8216Options = {}): string[] {
  const problems: string[] = [];
  const prevLast = prev.mediaSequence + prev.segments.length - 1;
  const nextLast = next.mediaSequence + next.segments.length - 1;
  if (next.mediaSequence < prev.mediaSequence) problems.push(`media sequence went back ${prev.mediaSequence} -> ${next.mediaSequence}`);
  if (nextLast < prevLast) problems.push(`segments up to ${prevLast} were listed, now only up to ${nextLast}: removed from the end`);
  // A segment still listed keeps its number, URI, duration and discontinuity.
  for (const s of next.segments) {
    const before = prev.segments[s.msn - prev.mediaSequence];
    if (before === undefined) continue;
    if (before.uri !== s.uri) problems.push(`msn ${s.msn} named ${before.uri}, later ${s.uri}`);
    else if (before.duration !== s.duration || before.discontinuity !== s.discontinuity) problems.push(`msn ${s.msn} (${s.uri}) changed its EXTINF or discontinuity`);
  }
  // The media sequence moves by one per removed segment; the discontinuity sequence by the discontinuities that left.
  const removed = prev.segments.filter((s) => s.msn < next.mediaSequence);
  const leftDiscontinuities = removed.filter((s) => s.discontinuity).length;
  const allKnown = next.mediaSequence <= prevLast + 1;
  if (next.discontinuitySequence < prev.discontinuitySequence) problems.push(`discontinuity sequence went back ${prev.discontinuitySequence} -> ${next.discontinuitySequence}`);
  else if (allKnown && next.discontinuitySequence !== prev.discontinuitySequence + leftDiscontinuities) {
    problems.push(`discontinuity sequence ${prev.discontinuitySequence} -> ${next.discontinuitySequence}, but ${leftDiscontinuities} discontinuities left with ${removed.length} segments`);
  } else if (!allKnown && next.discontinuitySequence < prev.discontinuitySequence + leftDiscontinuities) {
    problems.push(`discontinuity sequence ${next.discontinuitySequence} counts fewer than the ${leftDiscontinuities} discontinuities that left`);
  }
  // Target duration: fixed while the playlist is live; a comeback may start afresh only with none of the old segments listed.
  const overlap = next.segments.some((s) => s.msn <= prevLast);
  if (next.targetDuration !== prev.targetDuration && (!prev.endList || overlap)) {
    problems.push(`target duration changed ${prev.targetDuration} -> ${next.targetDuration}${prev.endList ? ' with old segments still listed' : ' while live'}`);
  }
  // A live playlist never shrinks below three target durations by a removal.
  const total = next.segments.reduce((a, s) => a + s.duration, 0);
  if (removed.length > 0 && !next.endList && overlap && total < 3 * next.targetDuration - 1e-6) {
    problems.push(`a removal left ${total.toFixed(3)} s, less than 3 target durations (${3 * next.targetDuration} s)`);
  }
  // Once EXT-X-ENDLIST is there it stays (RFC 8216 6.2.1): what may follow is only a new presentation at the same URL, listing none of the old segments.
  if (prev.endList && overlap) {
    if (!next.endList) problems.push('EXT-X-ENDLIST was removed with old segments still listed (not a new presentation)');
    else if (removed.length > 0 || nextLast !== prevLast) problems.push('an ended playlist changed');
  }
  void o;
  return problems;
}

/** Checks every version it is given against the rules and against the version before. */
export class Rfc8216Checker {
  readonly problems: string[] = [];
  #prev: CheckedPlaylist | undefined;
  #versions = 0;
  /** When the newest segment was first seen (ms). */
  #grewAt: number | undefined;

  constructor(private readonly o: Rfc8216Options = {}) {}

  /**
   * Checks one version (call in the order they were fetched). `at`: when it
   * was fetched (ms); with it, the time between new segments is checked too.
   * Returns its problems.
   */
  check(text: string, label = 'playlist', at?: number): string[] {
    this.#versions += 1;
    const { playlist, problems } = playlistProblems(text);
    if (playlist && this.#prev) problems.push(...transitionProblems(this.#prev, playlist, this.o));
    if (playlist && at !== undefined) problems.push(...this.#growth(playlist, at));
    if (playlist) this.#prev = playlist;
    const found = problems.map((p) => `${label} version ${this.#versions}: ${p}`);
    this.problems.push(...found);
    return found;
  }

  /** A live playlist gets a new segment within 1.5 target durations (seen by a poller, give or take its poll). */
  #growth(next: CheckedPlaylist, at: number): string[] {
    const prev = this.#prev;
    const last = (p: CheckedPlaylist) => p.mediaSequence + p.segments.length - 1;
    if (!prev) {
      this.#grewAt = at;
      return [];
    }
    if (last(next) <= last(prev) && next.endList === prev.endList) return [];
    const problems: string[] = [];
    if (!prev.endList && last(next) > last(prev) && this.#grewAt !== undefined) {
      const gap = at - this.#grewAt;
      if (gap > 1.5 * prev.targetDuration * 1000 + (this.o.growthSlackMs ?? 400)) problems.push(`no new segment for ${gap} ms while live (more than 1.5 x ${prev.targetDuration} s)`);
    }
    this.#grewAt = at;
    return problems;
  }
}
