/**
 * Just enough MPEG-TS (ISO/IEC 13818-1) to look at a segment without decoding
 * it: the packets, the program's streams (PAT, PMT), and each PES's
 * timestamps; and to move those timestamps, for a clip that repeats (the
 * offline slate). Pure functions over bytes.
 */

export const TS_PACKET = 188;
const SYNC = 0x47;

export interface TsStreams {
  pmtPid: number;
  pcrPid: number;
  /** PID -> kind, from the PMT's stream types. */
  kinds: Map<number, 'video' | 'audio' | 'other'>;
  /** PID of the H.264 video, and of the AAC (ADTS) audio, if any. */
  video?: number;
  audio?: number;
}

/** The PIDs and kinds of the first program of a segment, or undefined without PAT and PMT. */
export function tsStreams(buf: Uint8Array): TsStreams | undefined {
  let pmtPid = -1;
  for (let off = 0; off + TS_PACKET <= buf.length; off += TS_PACKET) {
    if (buf[off] !== SYNC) return undefined;
    const pid = pidAt(buf, off);
    const payload = payloadOffset(buf, off);
    if (payload < 0 || !pusi(buf, off)) continue;
    const section = payload + 1 + (buf[payload] as number); // pointer_field
    if (pid === 0 && pmtPid < 0) {
      // PAT: the first program's PMT PID.
      const len = (((buf[section + 1] as number) & 0x0f) << 8) | (buf[section + 2] as number);
      for (let p = section + 8; p + 4 <= section + 3 + len - 4; p += 4) {
        const program = ((buf[p] as number) << 8) | (buf[p + 1] as number);
        if (program !== 0) {
          pmtPid = (((buf[p + 2] as number) & 0x1f) << 8) | (buf[p + 3] as number);
          break;
        }
      }
    } else if (pid === pmtPid) {
      const len = (((buf[section + 1] as number) & 0x0f) << 8) | (buf[section + 2] as number);
      const end = Math.min(section + 3 + len - 4, off + TS_PACKET);
      const pcrPid = (((buf[section + 8] as number) & 0x1f) << 8) | (buf[section + 9] as number);
      const infoLen = (((buf[section + 10] as number) & 0x0f) << 8) | (buf[section + 11] as number);
      const s: TsStreams = { pmtPid, pcrPid, kinds: new Map() };
      for (let p = section + 12 + infoLen; p + 5 <= end; ) {
        const type = buf[p] as number;
        const esPid = (((buf[p + 1] as number) & 0x1f) << 8) | (buf[p + 2] as number);
        const esInfo = (((buf[p + 3] as number) & 0x0f) << 8) | (buf[p + 4] as number);
        const kind = type === 0x1b || type === 0x24 ? 'video' : type === 0x0f || type === 0x11 || type === 0x03 || type === 0x04 ? 'audio' : 'other';
        s.kinds.set(esPid, kind);
        if (type === 0x1b && s.video === undefined) s.video = esPid;
        if (type === 0x0f && s.audio === undefined) s.audio = esPid;
        p += 5 + esInfo;
      }
      return s;
    }
  }
  return undefined;
}

/** The payload bytes of the PES packets of one PID, each PES's payload (after its header) concatenated, up to `limit` bytes. */
export function pesPayload(buf: Uint8Array, pid: number, limit = 256 * 1024): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (let off = 0; off + TS_PACKET <= buf.length && size < limit; off += TS_PACKET) {
    if (pidAt(buf, off) !== pid) continue;
    let p = payloadOffset(buf, off);
    if (p < 0) continue;
    if (pusi(buf, off) && buf[p] === 0 && buf[p + 1] === 0 && buf[p + 2] === 1) p += 9 + (buf[p + 8] as number);
    if (p >= off + TS_PACKET) continue;
    const piece = Buffer.from(buf.buffer, buf.byteOffset + p, off + TS_PACKET - p);
    parts.push(piece);
    size += piece.length;
  }
  return Buffer.concat(parts);
}

/**
 * Moves every timestamp of a clip by whole periods, for its `repeat`-th copy
 * (0: as it is): PTS and DTS of each PES by the period of its stream, the PCR
 * by the PCR stream's, and the continuity counters on from where the copy
 * before left them, so the copies play as one continuous stream.
 */
export function retimeTs(clip: Uint8Array, repeat: number, periods90k: { video?: number; audio?: number }): Buffer {
  const out = Buffer.from(clip);
  if (repeat === 0) return out;
  const streams = tsStreams(out);
  if (!streams) throw new Error('no PAT/PMT in the slate clip');
  const period = (pid: number) => {
    const kind = streams.kinds.get(pid);
    return kind === 'video' ? (periods90k.video ?? 0) : kind === 'audio' ? (periods90k.audio ?? 0) : 0;
  };
  // Packets with a payload per PID: each copy moves the counters on by that many.
  const counts = new Map<number, number>();
  for (let off = 0; off + TS_PACKET <= out.length; off += TS_PACKET) {
    if (hasPayload(out, off)) counts.set(pidAt(out, off), (counts.get(pidAt(out, off)) ?? 0) + 1);
  }
  const pcrShift = period(streams.pcrPid) * repeat;
  for (let off = 0; off + TS_PACKET <= out.length; off += TS_PACKET) {
    if (out[off] !== SYNC) throw new Error(`the slate clip lost TS sync at ${off}`);
    const pid = pidAt(out, off);
    if (hasPayload(out, off)) {
      const cc = ((out[off + 3] as number) & 0x0f) + (counts.get(pid) ?? 0) * repeat;
      out[off + 3] = ((out[off + 3] as number) & 0xf0) | (cc & 0x0f);
    }
    const afc = ((out[off + 3] as number) >> 4) & 0x3;
    if ((afc & 0x2) !== 0 && (out[off + 4] as number) >= 7 && ((out[off + 5] as number) & 0x10) !== 0 && pid === streams.pcrPid) {
      shiftPcr(out, off + 6, pcrShift);
    }
    const p = payloadOffset(out, off);
    if (p >= 0 && pusi(out, off) && out[p] === 0 && out[p + 1] === 0 && out[p + 2] === 1 && pid !== streams.pmtPid && pid !== 0) {
      const shift = period(pid) * repeat;
      const flags = ((out[p + 7] as number) >> 6) & 0x3;
      if (flags & 0x2) writeTimestamp(out, p + 9, readTimestamp(out, p + 9) + shift);
      if (flags === 0x3) writeTimestamp(out, p + 14, readTimestamp(out, p + 14) + shift);
    }
  }
  return out;
}

function pidAt(buf: Uint8Array, off: number): number {
  return (((buf[off + 1] as number) & 0x1f) << 8) | (buf[off + 2] as number);
}

function pusi(buf: Uint8Array, off: number): boolean {
  return ((buf[off + 1] as number) & 0x40) !== 0;
}

function hasPayload(buf: Uint8Array, off: number): boolean {
  return (((buf[off + 3] as number) >> 4) & 0x1) !== 0;
}

/** Where a packet's payload starts, or -1 without one. */
function payloadOffset(buf: Uint8Array, off: number): number {
  const afc = ((buf[off + 3] as number) >> 4) & 0x3;
  if ((afc & 0x1) === 0) return -1;
  const p = (afc & 0x2) !== 0 ? off + 5 + (buf[off + 4] as number) : off + 4;
  return p < off + TS_PACKET ? p : -1;
}

const WRAP = 2 ** 33;

function readTimestamp(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) >> 1) & 0x07) * 2 ** 30 +
    ((b[at + 1] as number) << 22) +
    (((b[at + 2] as number) >> 1) << 15) +
    ((b[at + 3] as number) << 7) +
    ((b[at + 4] as number) >> 1)
  );
}

function writeTimestamp(b: Buffer, at: number, value: number): void {
  const v = ((value % WRAP) + WRAP) % WRAP;
  const hi = Math.floor(v / 2 ** 30);
  const lo = v % 2 ** 30;
  b[at] = ((b[at] as number) & 0xf0) | (hi << 1) | 1;
  b[at + 1] = (lo >> 22) & 0xff;
  b[at + 2] = (((lo >> 15) & 0x7f) << 1) | 1;
  b[at + 3] = (lo >> 7) & 0xff;
  b[at + 4] = ((lo & 0x7f) << 1) | 1;
}

/** Moves a PCR's 33-bit base (90 kHz) by `ticks`, leaving its 27 MHz extension as it is. */
function shiftPcr(b: Buffer, at: number, ticks: number): void {
  const base = (b[at] as number) * 2 ** 25 + ((b[at + 1] as number) << 17) + ((b[at + 2] as number) << 9) + ((b[at + 3] as number) << 1) + ((b[at + 4] as number) >> 7);
  const v = (((base + ticks) % WRAP) + WRAP) % WRAP;
  b[at] = Math.floor(v / 2 ** 25) & 0xff;
  b[at + 1] = Math.floor(v / 2 ** 17) & 0xff;
  b[at + 2] = Math.floor(v / 2 ** 9) & 0xff;
  b[at + 3] = Math.floor(v / 2) & 0xff;
  b[at + 4] = (((v % 2) & 1) << 7) | ((b[at + 4] as number) & 0x7f);
}
