import { SmbError } from './errors.js';

/**
 * Cuts the byte stream of SMB's direct TCP transport ([MS-SMB2] 2.1) into
 * frames: a zero byte, a 24-bit big-endian length, then that many bytes.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes from the socket; returns the frames now complete. Throws on a stream that is not SMB framing. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      if (head[0] !== 0) throw new SmbError('protocol', 'the server sent something that is not an SMB2 frame');
      const length = head.readUInt32BE(0) & 0xffffff;
      if (this.buffered < 4 + length) break;
      frames.push(this.take(4 + length).subarray(4));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).length < n) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
