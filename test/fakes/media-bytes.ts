/**
 * Small, structurally whole media files for tests that need bytes a
 * container check accepts: MPEG-TS packets, ISO BMFF boxes. Nothing here
 * decodes; the payloads are filler.
 */

/** `packets` MPEG-TS packets of 188 bytes, each starting with the sync byte, filled with `fill`. */
export function tsBytes(packets: number, fill = 0xff): Buffer {
  const b = Buffer.alloc(packets * 188, fill);
  for (let i = 0; i < packets; i++) b[i * 188] = 0x47;
  return b;
}

/** One ISO BMFF box: 32-bit size, four-character type, payload. */
export function box(type: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.byteLength, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** An init section: ftyp + moov (with an empty trak-less mvhd stand-in). */
export function initBytes(): Buffer {
  return Buffer.concat([box('ftyp', Buffer.from('iso6\0\0\0\0iso6cmfc', 'latin1')), box('moov', box('mvhd', Buffer.alloc(100)))]);
}

/** A fragmented media segment: styp, then `chunks` moof + mdat pairs with `mdatBytes` of media each. */
export function fmp4Bytes(chunks = 2, mdatBytes = 1000): Buffer {
  const parts: Buffer[] = [box('styp', Buffer.from('msdhmsix', 'latin1'))];
  for (let i = 0; i < chunks; i++) parts.push(box('moof', box('mfhd', Buffer.alloc(8, i))), box('mdat', Buffer.alloc(mdatBytes, i + 1)));
  return Buffer.concat(parts);
}
