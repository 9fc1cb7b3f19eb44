/**
 * What a binary is, read from its bytes: container format, ELF machine and class, and the
 * glibc symbol versions it needs (the `.gnu.version_r` section).
 *
 * Pure and defensive: it reads installed third-party files, so every read is
 * bounds-checked and garbage or truncated input yields whatever could be read, never a
 * throw.
 */

export type BinaryFormat = 'elf' | 'mach-o' | 'pe' | 'unknown';

export interface BinaryInfo {
  format: BinaryFormat;
  /** `x86_64`, `aarch64`, `i386`, `arm`, or `e_machine 0xNN` for any other machine. */
  machine?: string;
  bits?: 32 | 64;
  /** Every `GLIBC_x.y[.z]` version the binary needs, sorted oldest first. */
  glibcVersions: string[];
  /** The newest of `glibcVersions`. */
  maxGlibc?: string;
  /**
   * Needs `GLIBC_ABI_DT_RELR` (packed relative relocations): the loader refuses it on
   * glibc older than 2.36, whatever `maxGlibc` says.
   */
  needsDtRelr?: boolean;
}

/** glibc release that introduced `GLIBC_ABI_DT_RELR`. */
export const DT_RELR_GLIBC = '2.36';

const SHT_GNU_VERNEED = 0x6ffffffe;
const GLIBC_VERSION = /^GLIBC_(\d+(?:\.\d+)+)$/;
const MAX_SECTIONS = 0x10000;
const MAX_VERSION_ENTRIES = 0x10000;

const MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64' };

const MACH_O_MAGICS = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe]);

/** Orders dotted numeric versions (`2.2.5` < `2.17`); an optional `GLIBC_` prefix is ignored. */
export function compareGlibc(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

function versionParts(version: string): number[] {
  return version
    .replace(/^GLIBC_/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
}

/** File names the dynamic loader treats as shared objects: `x.so`, `libx.so.1.2`. */
export function isSharedObjectName(name: string): boolean {
  return name.endsWith('.so') || name.includes('.so.');
}

export function machineName(eMachine: number): string {
  return MACHINES[eMachine] ?? `e_machine 0x${eMachine.toString(16).padStart(2, '0')}`;
}

export function inspectBinary(bytes: Buffer): BinaryInfo {
  const format = detectFormat(bytes);
  if (format !== 'elf') return { format, glibcVersions: [] };
  try {
    return readElf(bytes);
  } catch {
    // Unreachable by design (every read is checked); kept so garbage can never throw.
    return { format, glibcVersions: [] };
  }
}

export function detectFormat(bytes: Buffer): BinaryFormat {
  if (bytes.length >= 4) {
    if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
      return 'elf';
    }
    if (MACH_O_MAGICS.has(bytes.readUInt32BE(0))) return 'mach-o';
  }
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) return 'pe';
  return 'unknown';
}

/** Bounds-checked reads in the file's byte order; out-of-range reads give `undefined`. */
class Reader {
  constructor(
    private readonly bytes: Buffer,
    private readonly littleEndian: boolean,
  ) {}

  u16(offset: number): number | undefined {
    if (!this.fits(offset, 2)) return undefined;
    return this.littleEndian ? this.bytes.readUInt16LE(offset) : this.bytes.readUInt16BE(offset);
  }

  u32(offset: number): number | undefined {
    if (!this.fits(offset, 4)) return undefined;
    return this.littleEndian ? this.bytes.readUInt32LE(offset) : this.bytes.readUInt32BE(offset);
  }

  /** 64-bit value as a number, or `undefined` if it is past what a Buffer can index. */
  u64(offset: number): number | undefined {
    if (!this.fits(offset, 8)) return undefined;
    const value = this.littleEndian
      ? this.bytes.readBigUInt64LE(offset)
      : this.bytes.readBigUInt64BE(offset);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }

  /** NUL-terminated string starting at `offset`, not reading past `end`. */
  cString(offset: number, end: number): string | undefined {
    const limit = Math.min(end, this.bytes.length);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit) return undefined;
    const nul = this.bytes.indexOf(0, offset);
    if (nul < 0 || nul >= limit) return undefined;
    return this.bytes.toString('latin1', offset, nul);
  }

  private fits(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && offset + size <= this.bytes.length;
  }
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

function readElf(bytes: Buffer): BinaryInfo {
  const info: BinaryInfo = { format: 'elf', glibcVersions: [] };
  const elfClass = bytes[4];
  const data = bytes[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) return info;
  const is64 = elfClass === 2;
  info.bits = is64 ? 64 : 32;
  const r = new Reader(bytes, data === 1);

  const eMachine = r.u16(18);
  if (eMachine === undefined) return info;
  info.machine = machineName(eMachine);

  const sections = readSections(r, is64);
  const names = new Set<string>();
  for (const section of sections) {
    if (section.type !== SHT_GNU_VERNEED) continue;
    const strtab = sections[section.link];
    if (strtab) collectVerneed(r, section, strtab, names);
  }

  const versions: string[] = [];
  for (const name of names) {
    const match = GLIBC_VERSION.exec(name);
    if (match?.[1]) versions.push(match[1]);
    else if (name === 'GLIBC_ABI_DT_RELR') info.needsDtRelr = true;
  }
  versions.sort(compareGlibc);
  info.glibcVersions = versions;
  const newest = versions.at(-1);
  if (newest !== undefined) info.maxGlibc = newest;
  return info;
}

function readSections(r: Reader, is64: boolean): Section[] {
  const shoff = is64 ? r.u64(0x28) : r.u32(0x20);
  const shentsize = r.u16(is64 ? 0x3a : 0x2e);
  let shnum = r.u16(is64 ? 0x3c : 0x30);
  const minEntSize = is64 ? 64 : 40;
  if (!shoff || shentsize === undefined || shentsize < minEntSize || shnum === undefined) return [];

  const read = (index: number): Section | undefined => {
    const base = shoff + index * shentsize;
    const type = r.u32(base + 4);
    const offset = is64 ? r.u64(base + 0x18) : r.u32(base + 0x10);
    const size = is64 ? r.u64(base + 0x20) : r.u32(base + 0x14);
    const link = r.u32(base + (is64 ? 0x28 : 0x18));
    const info = r.u32(base + (is64 ? 0x2c : 0x1c));
    if (
      type === undefined ||
      offset === undefined ||
      size === undefined ||
      link === undefined ||
      info === undefined
    ) {
      return undefined;
    }
    return { type, offset, size, link, info };
  };

  // Extended numbering: with 0xff00 or more sections, e_shnum is 0 and section 0 holds the count.
  if (shnum === 0) shnum = Math.min(read(0)?.size ?? 0, MAX_SECTIONS);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const section = read(i);
    if (!section) break;
    sections.push(section);
  }
  return sections;
}

/** Walks Verneed entries and their Vernaux chains (both 16 bytes in ELF32 and ELF64). */
function collectVerneed(r: Reader, section: Section, strtab: Section, names: Set<string>): void {
  const sectionEnd = section.offset + section.size;
  const strEnd = strtab.offset + strtab.size;
  let budget = MAX_VERSION_ENTRIES;
  let need = section.offset;
  for (let n = 0; n < Math.max(section.info, 1) && budget > 0; n++) {
    if (need + 16 > sectionEnd) return;
    const count = r.u16(need + 2);
    const auxOffset = r.u32(need + 8);
    const next = r.u32(need + 12);
    if (count === undefined || auxOffset === undefined || next === undefined) return;

    let aux = need + auxOffset;
    for (let i = 0; i < count && budget > 0; i++, budget--) {
      if (auxOffset === 0 || aux + 16 > sectionEnd) break;
      const nameOffset = r.u32(aux + 8);
      const auxNext = r.u32(aux + 12);
      if (nameOffset === undefined || auxNext === undefined) break;
      const name = r.cString(strtab.offset + nameOffset, strEnd);
      if (name !== undefined) names.add(name);
      if (auxNext === 0) break;
      aux += auxNext;
    }

    if (next === 0) return;
    need += next;
    budget--;
  }
}
