/**
 * Just enough SPNEGO ([RFC 4178], [MS-SPNG]) to carry NTLMSSP tokens in SMB2
 * SESSION_SETUP: a NegTokenInit offering NTLMSSP only, NegTokenResp both ways.
 * DER: definite lengths, no indefinite forms.
 */

const SPNEGO_OID = Uint8Array.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]); // 1.3.6.1.5.5.2
export const NTLMSSP_OID = Uint8Array.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]); // 1.3.6.1.4.1.311.2.2.10

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/**
 * The DER MechTypeList the client offers (NTLMSSP alone). SPNEGO's
 * mechListMIC is a signature over exactly these bytes.
 */
export const MECH_TYPES: Uint8Array = new Uint8Array(tlv(0x30, tlv(0x06, NTLMSSP_OID)));

/** The client's first token: NegTokenInit { mechTypes [NTLMSSP], mechToken }. */
export function encodeNegTokenInit(mechToken: Uint8Array): Uint8Array {
  const mechTypes = tlv(0xa0, MECH_TYPES);
  const token = tlv(0xa2, tlv(0x04, mechToken));
  return new Uint8Array(tlv(0x60, tlv(0x06, SPNEGO_OID), tlv(0xa0, tlv(0x30, mechTypes, token))));
}

/** A client continuation: NegTokenResp { responseToken, mechListMIC }, the MIC when given. */
export function encodeNegTokenResp(responseToken: Uint8Array, mechListMic?: Uint8Array): Uint8Array {
  const fields = [tlv(0xa2, tlv(0x04, responseToken))];
  if (mechListMic) fields.push(tlv(0xa3, tlv(0x04, mechListMic)));
  return new Uint8Array(tlv(0xa1, tlv(0x30, ...fields)));
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

function readTlv(buf: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('SPNEGO token is truncated');
  const tag = buf[at] as number;
  let length = buf[at + 1] as number;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new Error('SPNEGO token has a bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] as number);
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('SPNEGO token is truncated');
  return { tag, start, end, next: end };
}

export interface NegTokenResp {
  /** 0 accept-completed, 1 accept-incomplete, 2 reject, 3 request-mic. */
  negState: number | undefined;
  supportedMech: Uint8Array | undefined;
  responseToken: Uint8Array | undefined;
  mechListMic: Uint8Array | undefined;
}

/** Parses the server's NegTokenResp ([1] SEQUENCE { [0] negState, [1] mech, [2] token, [3] mic }). */
export function decodeNegTokenResp(buf: Uint8Array): NegTokenResp {
  const outer = readTlv(buf, 0, buf.length);
  if (outer.tag !== 0xa1) throw new Error(`expected a SPNEGO NegTokenResp, got tag 0x${outer.tag.toString(16)}`);
  const seq = readTlv(buf, outer.start, outer.end);
  if (seq.tag !== 0x30) throw new Error('SPNEGO NegTokenResp is not a SEQUENCE');
  const out: NegTokenResp = { negState: undefined, supportedMech: undefined, responseToken: undefined, mechListMic: undefined };
  for (let at = seq.start; at < seq.end; ) {
    const field = readTlv(buf, at, seq.end);
    const inner = readTlv(buf, field.start, field.end);
    const value = buf.subarray(inner.start, inner.end);
    switch (field.tag) {
      case 0xa0:
        out.negState = value[0];
        break;
      case 0xa1:
        out.supportedMech = value;
        break;
      case 0xa2:
        out.responseToken = value;
        break;
      case 0xa3:
        out.mechListMic = value;
        break;
      default:
        break;
    }
    at = field.next;
  }
  return out;
}
