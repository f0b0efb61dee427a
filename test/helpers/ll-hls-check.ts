import hlsParser from 'hls-parser';

/**
 * A third-party look at an LL-HLS media playlist: hls-parser in strict mode
 * (which checks the RFC 8216bis part rules it knows), then the rules it does
 * not check. Returns the problems found, none when the playlist is right.
 */
export function llPlaylistProblems(text: string): string[] {
  const problems: string[] = [];
  hlsParser.setOptions({ strictMode: true, silent: true });
  let parsed: ReturnType<typeof hlsParser.parse>;
  try {
    parsed = hlsParser.parse(forHlsParser(text));
  } catch (err) {
    return [`hls-parser (strict): ${(err as Error).message}`];
  }
  if (parsed.isMasterPlaylist) return ['a master playlist where a media playlist was expected'];
  const lines = text.split('\n');
  const attr = (line: string | undefined, name: string) => (line ? new RegExp(`${name}=([^,]+)`).exec(line)?.[1] : undefined);
  const partInf = lines.find((l) => l.startsWith('#EXT-X-PART-INF:'));
  const control = lines.find((l) => l.startsWith('#EXT-X-SERVER-CONTROL:'));
  const target = Number(attr(partInf, 'PART-TARGET'));
  const td = Number(/^#EXT-X-TARGETDURATION:(\d+)/m.exec(text)?.[1]);
  if (!partInf) problems.push('no EXT-X-PART-INF');
  if (!control?.includes('CAN-BLOCK-RELOAD=YES')) problems.push('no CAN-BLOCK-RELOAD=YES');
  const holdBack = Number(attr(control, 'PART-HOLD-BACK'));
  if (!(holdBack >= 2 * target)) problems.push(`PART-HOLD-BACK ${holdBack} is less than 2 x PART-TARGET ${target}`);
  const skip = Number(attr(control, 'CAN-SKIP-UNTIL'));
  if (!(skip >= 6 * td)) problems.push(`CAN-SKIP-UNTIL ${skip} is less than 6 x TARGETDURATION ${td}`);
  const endList = lines.includes('#EXT-X-ENDLIST');
  if (!endList && !lines.some((l) => l.startsWith('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="'))) problems.push('no EXT-X-PRELOAD-HINT');
  // Parts against their segment: each within PART-TARGET, at least 85 % of it unless independent or the last of its segment,
  // and a complete segment's parts add up to its EXTINF.
  let parts: Array<{ duration: number; independent: boolean }> = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PART:')) {
      parts.push({ duration: Number(attr(line, 'DURATION')), independent: line.includes('INDEPENDENT=YES') });
    } else if (line.startsWith('#EXTINF:')) {
      const extinf = Number(line.slice(8).split(',')[0]);
      checkParts(parts, target, true, problems);
      if (parts.length > 0) {
        const sum = parts.reduce((a, p) => a + p.duration, 0);
        if (Math.abs(sum - extinf) > 0.002) problems.push(`parts add up to ${sum.toFixed(3)} s for a segment of ${extinf} s`);
      }
      parts = [];
    }
  }
  checkParts(parts, target, false, problems);
  return problems;
}

function checkParts(parts: Array<{ duration: number; independent: boolean }>, target: number, complete: boolean, problems: string[]): void {
  parts.forEach((p, i) => {
    const last = complete && i === parts.length - 1;
    if (p.duration > target + 0.0005) problems.push(`a part of ${p.duration} s is longer than PART-TARGET ${target}`);
    if (!last && !p.independent && p.duration < 0.85 * target) problems.push(`a part of ${p.duration} s is under 85 % of PART-TARGET ${target}`);
  });
}

/**
 * hls-parser's strict mode holds every part but the last of a segment to 85 %
 * of PART-TARGET, without RFC 8216bis's exception for parts with
 * INDEPENDENT=YES (every audio chunk is one). Its copy of the text gives
 * those parts PART-TARGET as their duration; the 85 % rule, with the
 * exception, is checked on the real durations by checkParts below.
 */
function forHlsParser(text: string): string {
  const target = /#EXT-X-PART-INF:PART-TARGET=([\d.]+)/.exec(text)?.[1];
  if (target === undefined) return text;
  return text.replace(/^(#EXT-X-PART:DURATION=)[\d.]+(,.*INDEPENDENT=YES)/gm, `$1${target}$2`);
}
