import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Rgb = [number, number, number];

/**
 * The first picture of a media segment, decoded by ffmpeg and shrunk to
 * 16x9: its middle pixel. `bytes` is an MPEG-TS segment, or an fMP4 init
 * section followed by a segment.
 */
export function middlePixel(bytes: Uint8Array): Rgb {
  const dir = mkdtempSync(join(tmpdir(), 'sharecast-frame-'));
  try {
    const file = join(dir, 'segment');
    writeFileSync(file, bytes);
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-frames:v', '1', '-vf', 'scale=16:9', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 20 });
    if (r.status !== 0 || r.stdout.byteLength !== 16 * 9 * 3) throw new Error(`ffmpeg could not decode a frame: ${r.stderr.toString()}`);
    const at = (4 * 16 + 8) * 3;
    return [r.stdout[at] ?? 0, r.stdout[at + 1] ?? 0, r.stdout[at + 2] ?? 0];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PNG of one colour, made by ffmpeg. */
export function solidPng(hex: string, size = '640x360'): Promise<Buffer<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', `color=c=0x${hex}:s=${size}`, '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exit ${code}`))));
  });
}

/** Each channel within `tolerance` of the wanted colour (YUV 4:2:0 and back moves them a little). */
export function near(got: Rgb, want: Rgb, tolerance = 24): boolean {
  return got.every((c, i) => Math.abs(c - (want[i] ?? 0)) <= tolerance);
}
