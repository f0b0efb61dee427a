/**
 * Memory of a program running under qemu user-mode emulation, read from the
 * host's /proc.
 *
 * Inside the emulator, Node's process.memoryUsage().rss is 0: qemu fakes
 * /proc/self/stat with zeros. From outside, the qemu process's RSS mixes two
 * things: the guest's own memory (what the same program would use on a real
 * board) and the emulator's (its translated-code cache, its heap). A 32-bit
 * guest lives in one 4 GiB window of the host address space starting at
 * qemu's guest_base; everything qemu allocates for itself lies outside it.
 * guest_base is found from the guest binary's first PT_LOAD segment: the host
 * address where qemu mapped that file, minus the address the ELF asks for.
 */
import { readFileSync, statSync } from 'node:fs';
import { readHead } from './arm-runtime.js';

export interface QemuMemory {
  /** Resident memory inside the guest's address window: the ARM program's own RSS. */
  guestRss: number;
  /** VmRSS of the whole qemu process (guest + emulator). */
  totalRss: number;
}

const PT_LOAD = 1;
const ET_EXEC = 2;

/** Page-aligned virtual address of the first PT_LOAD of a 32-bit non-PIE ELF. */
export function firstLoadAddress(binary: string): number {
  const head = readHead(binary, 52);
  if (head[4] !== 1) throw new Error(`${binary} is not a 32-bit ELF`);
  if (head.readUInt16LE(16) !== ET_EXEC) throw new Error(`${binary} is position-independent; its load address cannot be read from the file`);
  const phoff = head.readUInt32LE(28);
  const phentsize = head.readUInt16LE(42);
  const phnum = head.readUInt16LE(44);
  const table = readHead(binary, phentsize * phnum, phoff);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (table.readUInt32LE(at) === PT_LOAD) return table.readUInt32LE(at + 8) & ~0xfff;
  }
  throw new Error(`${binary} has no PT_LOAD segment`);
}

interface Mapping {
  start: bigint;
  end: bigint;
  offset: bigint;
  inode: number;
  rssKb: number;
}

function readSmaps(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ (\d+)/.exec(line);
    if (m) {
      cur = { start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), offset: BigInt(`0x${m[3]}`), inode: Number(m[4]), rssKb: 0 };
      out.push(cur);
    } else if (cur && line.startsWith('Rss:')) {
      cur.rssKb = Number(/(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  return out;
}

/**
 * Reads the memory of qemu process `pid` running the 32-bit ELF `binary`.
 * Returns undefined while the binary is not mapped yet.
 */
export function readQemuMemory(pid: number, binary: string, loadAddress = firstLoadAddress(binary)): QemuMemory | undefined {
  const inode = statSync(binary).ino;
  const maps = readSmaps(pid);
  const image = maps.filter((m) => m.inode === inode && m.offset === 0n).sort((a, b) => (a.start < b.start ? -1 : 1))[0];
  if (!image) return undefined;
  const guestBase = image.start - BigInt(loadAddress);
  const guestEnd = guestBase + (1n << 32n);
  const guestKb = maps.filter((m) => m.start >= guestBase && m.end <= guestEnd).reduce((sum, m) => sum + m.rssKb, 0);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const totalKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return { guestRss: guestKb * 1024, totalRss: totalKb * 1024 };
}
