/**
 * The picture size an H.264 stream says in its sequence parameter set
 * (ITU-T H.264 7.3.2.1.1), read from Annex B bytes (start codes) without
 * decoding a picture.
 */

/** Width and height from the first SPS in Annex B bytes, or undefined when there is none or it cannot be read. */
export function spsSize(annexB: Uint8Array): { width: number; height: number } | undefined {
  for (let i = 0; i + 4 < annexB.length; i++) {
    if (annexB[i] !== 0 || annexB[i + 1] !== 0 || annexB[i + 2] !== 1) continue;
    if (((annexB[i + 3] as number) & 0x1f) !== 7) continue;
    try {
      return parseSps(unescape(annexB.subarray(i + 4, Math.min(annexB.length, i + 4 + 256))));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Removes emulation-prevention bytes (00 00 03 -> 00 00). */
function unescape(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (i >= 2 && b[i] === 3 && b[i - 1] === 0 && b[i - 2] === 0) continue;
    out.push(b[i] as number);
  }
  return Uint8Array.from(out);
}

class Bits {
  #pos = 0;
  constructor(private readonly b: Uint8Array) {}
  bit(): number {
    const byte = this.b[this.#pos >> 3];
    if (byte === undefined) throw new Error('SPS ended early');
    const v = (byte >> (7 - (this.#pos & 7))) & 1;
    this.#pos += 1;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros += 1;
      if (zeros > 31) throw new Error('bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function parseSps(b: Uint8Array): { width: number; height: number } {
  const r = new Bits(b);
  const profile = r.bits(8);
  r.bits(16); // constraint flags, level
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.bit();
    r.ue(); // bit_depth_luma
    r.ue(); // bit_depth_chroma
    r.bit();
    if (r.bit()) {
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
        if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ue(); // log2_max_frame_num
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit();
  const mbWidth = r.ue() + 1;
  const mapHeight = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit();
  r.bit(); // direct_8x8_inference
  let crop = { l: 0, r: 0, t: 0, b: 0 };
  if (r.bit()) crop = { l: r.ue(), r: r.ue(), t: r.ue(), b: r.ue() };
  const cropX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
  const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
  return {
    width: mbWidth * 16 - cropX * (crop.l + crop.r),
    height: (2 - frameMbsOnly) * mapHeight * 16 - cropY * (crop.t + crop.b),
  };
}

function skipScalingList(r: Bits, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}
