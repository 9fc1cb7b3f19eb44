/**
 * Small but real binaries for tests.
 *
 * `makeElfSharedObject` writes an ELF shared object (ET_DYN) that binutils accepts: an ELF
 * header, `.dynstr`, `.gnu.version_r` (linked to `.dynstr`, one Verneed for `libc.so.6`
 * with one Vernaux per requested `GLIBC_x.y`), `.shstrtab` and the section header table.
 * No program headers or code: enough for `readelf -h -V` and for the layer checks.
 */

export interface ElfOptions {
  machine: 'x86_64' | 'aarch64' | number;
  /** glibc versions needed, e.g. `['2.2.5', '2.17']`; none means no `.gnu.version_r`. */
  glibc?: readonly string[];
  bits?: 64 | 32;
  bigEndian?: boolean;
  /** Extra Vernaux names taken as-is (e.g. `GLIBC_PRIVATE`, `GLIBC_ABI_DT_RELR`). */
  extraVersionNames?: readonly string[];
}

const EM: Record<'x86_64' | 'aarch64', number> = { x86_64: 62, aarch64: 183 };
const SHT_STRTAB = 3;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHF_ALLOC = 2;

export function makeElfSharedObject(opts: ElfOptions): Buffer {
  const is64 = (opts.bits ?? 64) === 64;
  const le = !opts.bigEndian;
  const machine = typeof opts.machine === 'number' ? opts.machine : EM[opts.machine];
  const versionNames = [
    ...(opts.glibc ?? []).map((v) => `GLIBC_${v}`),
    ...(opts.extraVersionNames ?? []),
  ];

  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;

  const dynstr = new StringTable();
  const libcName = dynstr.add('libc.so.6');
  const auxNames = versionNames.map((name) => dynstr.add(name));

  const shstrtab = new StringTable();
  const nameDynstr = shstrtab.add('.dynstr');
  const nameVerneed = versionNames.length > 0 ? shstrtab.add('.gnu.version_r') : 0;
  const nameShstrtab = shstrtab.add('.shstrtab');

  const dynstrBytes = dynstr.bytes();
  const dynstrOffset = ehsize;
  const verneedOffset = align(dynstrOffset + dynstrBytes.length, 8);
  const verneedBytes =
    versionNames.length > 0 ? verneed(le, libcName, versionNames, auxNames) : Buffer.alloc(0);
  const shstrtabOffset = verneedOffset + verneedBytes.length;
  const shstrtabBytes = shstrtab.bytes();
  const shoff = align(shstrtabOffset + shstrtabBytes.length, 8);

  const sections: SectionHeader[] = [
    { name: 0, type: 0, flags: 0, offset: 0, size: 0, link: 0, info: 0, align: 0 },
    {
      name: nameDynstr,
      type: SHT_STRTAB,
      flags: SHF_ALLOC,
      offset: dynstrOffset,
      size: dynstrBytes.length,
      link: 0,
      info: 0,
      align: 1,
    },
  ];
  if (versionNames.length > 0) {
    sections.push({
      name: nameVerneed,
      type: SHT_GNU_VERNEED,
      flags: SHF_ALLOC,
      offset: verneedOffset,
      size: verneedBytes.length,
      link: 1,
      info: 1,
      align: 8,
    });
  }
  const shstrndx = sections.length;
  sections.push({
    name: nameShstrtab,
    type: SHT_STRTAB,
    flags: 0,
    offset: shstrtabOffset,
    size: shstrtabBytes.length,
    link: 0,
    info: 0,
    align: 1,
  });

  const out = Buffer.alloc(shoff + sections.length * shentsize);
  const w = new Writer(out, le);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0], 0);
  w.u16(16, 3); // ET_DYN
  w.u16(18, machine);
  w.u32(20, 1); // EV_CURRENT
  if (is64) {
    w.u64(0x28, shoff);
    w.u16(0x34, ehsize);
    w.u16(0x36, 56);
    w.u16(0x3a, shentsize);
    w.u16(0x3c, sections.length);
    w.u16(0x3e, shstrndx);
  } else {
    w.u32(0x20, shoff);
    w.u16(0x28, ehsize);
    w.u16(0x2a, 32);
    w.u16(0x2e, shentsize);
    w.u16(0x30, sections.length);
    w.u16(0x32, shstrndx);
  }
  dynstrBytes.copy(out, dynstrOffset);
  verneedBytes.copy(out, verneedOffset);
  shstrtabBytes.copy(out, shstrtabOffset);

  sections.forEach((s, i) => {
    const base = shoff + i * shentsize;
    w.u32(base, s.name);
    w.u32(base + 4, s.type);
    if (is64) {
      w.u64(base + 0x08, s.flags);
      w.u64(base + 0x18, s.offset);
      w.u64(base + 0x20, s.size);
      w.u32(base + 0x28, s.link);
      w.u32(base + 0x2c, s.info);
      w.u64(base + 0x30, s.align);
    } else {
      w.u32(base + 0x08, s.flags);
      w.u32(base + 0x10, s.offset);
      w.u32(base + 0x14, s.size);
      w.u32(base + 0x18, s.link);
      w.u32(base + 0x1c, s.info);
      w.u32(base + 0x20, s.align);
    }
  });
  return out;
}

/** A thin Mach-O 64-bit header (MH_MAGIC_64, little-endian) plus padding. */
export function makeMachOBytes(): Buffer {
  const out = Buffer.alloc(64);
  out.writeUInt32LE(0xfeedfacf, 0);
  return out;
}

/** A DOS/PE stub: `MZ`, `e_lfanew` pointing at a `PE\0\0` signature, plus padding. */
export function makePeBytes(): Buffer {
  const out = Buffer.alloc(128);
  out.write('MZ', 0, 'latin1');
  out.writeUInt32LE(0x40, 0x3c);
  out.write('PE\0\0', 0x40, 'latin1');
  return out;
}

interface SectionHeader {
  name: number;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
}

/** One Verneed (16 bytes) followed by its Vernaux chain (16 bytes each); same in ELF32/64. */
function verneed(le: boolean, file: number, names: string[], nameOffsets: number[]): Buffer {
  const out = Buffer.alloc(16 + 16 * names.length);
  const w = new Writer(out, le);
  w.u16(0, 1); // vn_version
  w.u16(2, names.length); // vn_cnt
  w.u32(4, file); // vn_file
  w.u32(8, 16); // vn_aux
  w.u32(12, 0); // vn_next
  names.forEach((name, i) => {
    const base = 16 + 16 * i;
    w.u32(base, elfHash(name)); // vna_hash
    w.u16(base + 4, 0); // vna_flags
    w.u16(base + 6, i + 2); // vna_other: version index, 0 and 1 are reserved
    w.u32(base + 8, nameOffsets[i] ?? 0); // vna_name
    w.u32(base + 12, i === names.length - 1 ? 0 : 16); // vna_next
  });
  return out;
}

function elfHash(name: string): number {
  let h = 0;
  for (const byte of Buffer.from(name, 'latin1')) {
    h = ((h << 4) + byte) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h >>> 0;
}

class StringTable {
  private readonly parts: Buffer[] = [Buffer.from([0])];
  private length = 1;

  add(value: string): number {
    const offset = this.length;
    const bytes = Buffer.from(`${value}\0`, 'latin1');
    this.parts.push(bytes);
    this.length += bytes.length;
    return offset;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Writer {
  constructor(
    private readonly out: Buffer,
    private readonly le: boolean,
  ) {}

  u16(offset: number, value: number): void {
    if (this.le) this.out.writeUInt16LE(value, offset);
    else this.out.writeUInt16BE(value, offset);
  }

  u32(offset: number, value: number): void {
    if (this.le) this.out.writeUInt32LE(value >>> 0, offset);
    else this.out.writeUInt32BE(value >>> 0, offset);
  }

  u64(offset: number, value: number): void {
    if (this.le) this.out.writeBigUInt64LE(BigInt(value), offset);
    else this.out.writeBigUInt64BE(BigInt(value), offset);
  }
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
