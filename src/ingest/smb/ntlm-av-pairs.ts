/**
 * NTLM AV pairs ([MS-NLMP] 2.2.2.1): the server's target information in the
 * CHALLENGE message, and the list the client returns inside its NTLMv2
 * response, extended as Windows extends it.
 */

export const AvId = {
  Eol: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  DnsComputerName: 3,
  DnsDomainName: 4,
  DnsTreeName: 5,
  Flags: 6,
  Timestamp: 7,
  SingleHost: 8,
  TargetName: 9,
  ChannelBindings: 10,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;

export interface AvPair {
  id: number;
  value: Uint8Array;
}

export function parseAvPairs(buf: Uint8Array): AvPair[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const pairs: AvPair[] = [];
  for (let at = 0; at + 4 <= view.length; ) {
    const id = view.readUInt16LE(at);
    const len = view.readUInt16LE(at + 2);
    if (id === AvId.Eol) break;
    if (at + 4 + len > view.length) throw new Error('NTLM target info is truncated');
    pairs.push({ id, value: buf.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  return pairs;
}

/** The pairs followed by MsvAvEOL. */
export function encodeAvPairs(pairs: AvPair[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  parts.push(new Uint8Array(4));
  return new Uint8Array(Buffer.concat(parts));
}

function u32(value: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return new Uint8Array(b);
}

/**
 * The AV pairs a Windows client returns ([MS-NLMP] 3.1.5.1.2): the server's,
 * then MsvAvFlags with "MIC present" (or'ed into the server's flags if it sent
 * any), an empty MsvAvChannelBindings (16 zero bytes: no TLS channel) and
 * MsvAvTargetName, the service principal name such as "cifs/nas".
 */
export function clientTargetInfo(serverInfo: Uint8Array, targetName: string): Uint8Array {
  const own = new Set<number>([AvId.Flags, AvId.ChannelBindings, AvId.TargetName]);
  const server = parseAvPairs(serverInfo);
  const serverFlags = server.find((p) => p.id === AvId.Flags && p.value.length === 4)?.value;
  const flags = (serverFlags ? Buffer.from(serverFlags).readUInt32LE(0) : 0) | AV_FLAG_MIC_PRESENT;
  return encodeAvPairs([
    ...server.filter((p) => !own.has(p.id)),
    { id: AvId.Flags, value: u32(flags) },
    { id: AvId.ChannelBindings, value: new Uint8Array(16) },
    { id: AvId.TargetName, value: new Uint8Array(Buffer.from(targetName, 'utf16le')) },
  ]);
}
