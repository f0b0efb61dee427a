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
 *
 * The window is found in the host's /proc/PID/maps. qemu reserves all of it
 * up front for a 32-bit guest on a 64-bit host ("pgb_reserved_va" in its
 * `-d page` log), so it shows as one unbroken run of mappings about 4 GiB
 * long around the guest binary: the guest's own mappings and PROT_NONE
 * reservation between them. Where that run is not there, a non-PIE binary's
 * window is found from where qemu mapped its first PT_LOAD segment, minus the
 * address the ELF asks for. (Debian's node is PIE; the Node.js project's
 * armv7l build is not.)
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

/**
 * Page-aligned virtual address of the first PT_LOAD of a 32-bit ELF, or
 * undefined for a position-independent one (its address is qemu's choice).
 */
export function firstLoadAddress(binary: string): number | undefined {
  const head = readHead(binary, 52);
  if (head[4] !== 1) throw new Error(`${binary} is not a 32-bit ELF`);
  if (head.readUInt16LE(16) !== ET_EXEC) return undefined;
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

export interface Mapping {
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

const GUEST_SPACE = 1n << 32n;
/** A run this long (4 GiB less qemu's guard pages and mmap_min_addr) is the reserved guest space. */
const RESERVED_MIN = GUEST_SPACE - (16n << 20n);

/** Host address where the guest's 4 GiB begins, or undefined when it cannot be told. */
export function guestBase(maps: Mapping[], image: Mapping, loadAddress: number | undefined): bigint | undefined {
  const sorted = [...maps].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let at = sorted.indexOf(image);
  let first = at;
  while (first > 0 && (sorted[first - 1] as Mapping).end === (sorted[first] as Mapping).start) first--;
  while (at < sorted.length - 1 && (sorted[at] as Mapping).end === (sorted[at + 1] as Mapping).start) at++;
  const start = (sorted[first] as Mapping).start;
  if ((sorted[at] as Mapping).end - start >= RESERVED_MIN) return start;
  return loadAddress === undefined ? undefined : image.start - BigInt(loadAddress);
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
  const base = guestBase(maps, image, loadAddress);
  if (base === undefined) throw new Error(`cannot tell where qemu placed the guest of ${binary}: no 4 GiB reservation, and the binary is position-independent`);
  const end = base + GUEST_SPACE;
  const guestKb = maps.filter((m) => m.start >= base && m.end <= end).reduce((sum, m) => sum + m.rssKb, 0);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const totalKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return { guestRss: guestKb * 1024, totalRss: totalKb * 1024 };
}
