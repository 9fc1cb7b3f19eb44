import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeElfSharedObject, makeMachOBytes, makePeBytes } from '../test/elf-factory.js';
import { compareGlibc, inspectBinary } from './elf.js';

const dir = mkdtempSync(path.join(tmpdir(), 'elf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasReadelf(): boolean {
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** GLIBC_x.y names in `readelf -V`'s "Version needs" section. */
function readelfNeeds(file: string): string[] {
  const out = execFileSync('readelf', ['-V', '-W', file], { encoding: 'utf8' });
  const needs = out.slice(out.indexOf('Version needs section'));
  const names = [...needs.matchAll(/Name: GLIBC_(\d+(?:\.\d+)+)\s/g)].map((m) => m[1] ?? '');
  return [...new Set(names)].sort(compareGlibc);
}

describe('inspectBinary on factory ELF files', () => {
  it('reads machine, class and GLIBC versions of a 64-bit x86_64 object, sorted numerically', () => {
    const info = inspectBinary(
      makeElfSharedObject({ machine: 'x86_64', glibc: ['2.28', '2.2.5', '2.17'] }),
    );
    expect(info).toEqual({
      format: 'elf',
      machine: 'x86_64',
      bits: 64,
      glibcVersions: ['2.2.5', '2.17', '2.28'],
      maxGlibc: '2.28',
    });
  });

  it('reads an aarch64 object', () => {
    const info = inspectBinary(makeElfSharedObject({ machine: 'aarch64', glibc: ['2.17'] }));
    expect(info.machine).toBe('aarch64');
    expect(info.maxGlibc).toBe('2.17');
  });

  it('reads a 32-bit i386 object and a 32-bit arm object', () => {
    const i386 = inspectBinary(makeElfSharedObject({ machine: 3, bits: 32, glibc: ['2.0', '2.1.3'] }));
    expect(i386).toMatchObject({ machine: 'i386', bits: 32, glibcVersions: ['2.0', '2.1.3'] });
    const arm = inspectBinary(makeElfSharedObject({ machine: 40, bits: 32, glibc: ['2.4'] }));
    expect(arm).toMatchObject({ machine: 'arm', bits: 32, maxGlibc: '2.4' });
  });

  it('reads big-endian ELF32 and ELF64', () => {
    const be64 = inspectBinary(
      makeElfSharedObject({ machine: 'aarch64', bigEndian: true, glibc: ['2.17', '2.34'] }),
    );
    expect(be64).toMatchObject({ machine: 'aarch64', bits: 64, glibcVersions: ['2.17', '2.34'] });
    const be32 = inspectBinary(
      makeElfSharedObject({ machine: 8, bits: 32, bigEndian: true, glibc: ['2.0'] }),
    );
    expect(be32).toMatchObject({ machine: 'e_machine 0x08', bits: 32, maxGlibc: '2.0' });
  });

  it('ignores GLIBC_PRIVATE and flags GLIBC_ABI_DT_RELR separately', () => {
    const info = inspectBinary(
      makeElfSharedObject({
        machine: 'x86_64',
        glibc: ['2.14'],
        extraVersionNames: ['GLIBC_PRIVATE', 'GLIBC_ABI_DT_RELR'],
      }),
    );
    expect(info.glibcVersions).toEqual(['2.14']);
    expect(info.needsDtRelr).toBe(true);
  });

  it('reports no GLIBC versions for an object without .gnu.version_r', () => {
    const info = inspectBinary(makeElfSharedObject({ machine: 'x86_64' }));
    expect(info).toEqual({ format: 'elf', machine: 'x86_64', bits: 64, glibcVersions: [] });
  });

  it('names other machines by number', () => {
    expect(inspectBinary(makeElfSharedObject({ machine: 243 })).machine).toBe('e_machine 0xf3');
  });

  it('writes objects that binutils readelf lists with the same machine and versions', () => {
    if (!hasReadelf()) {
      // No binutils here: at least the file parses back to what was asked for.
      const info = inspectBinary(makeElfSharedObject({ machine: 'x86_64', glibc: ['2.17'] }));
      expect(info).toMatchObject({ machine: 'x86_64', glibcVersions: ['2.17'] });
      return;
    }
    const cases = [
      { opts: { machine: 'x86_64', glibc: ['2.2.5', '2.17', '2.28'] }, header: 'X86-64' },
      { opts: { machine: 'aarch64', glibc: ['2.17'] }, header: 'AArch64' },
      { opts: { machine: 3, bits: 32, glibc: ['2.0', '2.1.3'] }, header: 'Intel 80386' },
      { opts: { machine: 'aarch64', bigEndian: true, glibc: ['2.34'] }, header: 'AArch64' },
    ] as const;
    for (const [i, { opts, header }] of cases.entries()) {
      const file = path.join(dir, `factory-${i}.so`);
      writeFileSync(file, makeElfSharedObject(opts));
      const out = execFileSync('readelf', ['-h', '-V', file], { encoding: 'utf8' });
      expect(out).toMatch(/Type:\s+DYN \(Shared object file\)/);
      expect(out).toMatch(new RegExp(`Machine:\\s+.*${header}`));
      expect(out).toContain('File: libc.so.6');
      expect(readelfNeeds(file)).toEqual(opts.glibc);
    }
  });
});

describe('inspectBinary on system libraries', () => {
  const candidates = [
    { file: '/lib/x86_64-linux-gnu/libm.so.6', machine: 'x86_64', baseline: '2.2.5' },
    { file: '/lib64/libm.so.6', machine: 'x86_64', baseline: '2.2.5' },
    { file: '/lib/aarch64-linux-gnu/libm.so.6', machine: 'aarch64', baseline: '2.17' },
    { file: '/lib64/libm.so.6', machine: 'aarch64', baseline: '2.17' },
  ];

  it('reads libm: its machine, the baseline GLIBC version, and what readelf lists', () => {
    const present = candidates.find(
      (c) => existsSync(c.file) && inspectBinary(readFileSync(c.file)).machine === c.machine,
    );
    if (!present) {
      // No known libm here: check the same claims on a factory-made libm stand-in.
      const info = inspectBinary(makeElfSharedObject({ machine: 'x86_64', glibc: ['2.2.5', '2.29'] }));
      expect(info.glibcVersions).toContain('2.2.5');
      expect(info.machine).toBe('x86_64');
      return;
    }
    const info = inspectBinary(readFileSync(present.file));
    expect(info.format).toBe('elf');
    expect(info.bits).toBe(64);
    expect(info.glibcVersions).toContain(present.baseline);
    if (hasReadelf()) expect(info.glibcVersions).toEqual(readelfNeeds(present.file));
  });

  it('reads libc.so.6 and the running node binary as ELF for this host\'s machine', () => {
    const files = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/aarch64-linux-gnu/libc.so.6', process.execPath];
    const infos = files.filter((f) => existsSync(f)).map((f) => inspectBinary(readFileSync(f)));
    // process.execPath (node) always exists, so this is never vacuous.
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) {
      expect(info.format).toBe('elf');
      expect(['x86_64', 'aarch64']).toContain(info.machine);
    }
  });
});

describe('inspectBinary on other formats and bad input', () => {
  it('recognises Mach-O, fat Mach-O and PE', () => {
    expect(inspectBinary(makeMachOBytes()).format).toBe('mach-o');
    expect(inspectBinary(Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])).format).toBe('mach-o');
    expect(inspectBinary(Buffer.from([0xce, 0xfa, 0xed, 0xfe])).format).toBe('mach-o');
    expect(inspectBinary(makePeBytes())).toEqual({ format: 'pe', glibcVersions: [] });
    expect(inspectBinary(Buffer.from('plain text')).format).toBe('unknown');
    expect(inspectBinary(Buffer.alloc(0)).format).toBe('unknown');
  });

  it('never throws on any truncation of a valid object, and keeps what the header gave', () => {
    const full = makeElfSharedObject({ machine: 'aarch64', glibc: ['2.17', '2.28'] });
    for (let length = 0; length <= full.length; length++) {
      const info = inspectBinary(full.subarray(0, length));
      if (length >= 20) expect(info.machine).toBe('aarch64');
      for (const version of info.glibcVersions) expect(['2.17', '2.28']).toContain(version);
    }
    expect(inspectBinary(full).glibcVersions).toEqual(['2.17', '2.28']);
  });

  it('never throws on random bytes behind an ELF magic, nor on corrupted objects', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const base = makeElfSharedObject({ machine: 'x86_64', glibc: ['2.2.5', '2.17'] });
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(base);
      for (let j = 0; j < 1 + (i % 16); j++) bytes[random() % bytes.length] = random() & 0xff;
      expect(() => inspectBinary(bytes)).not.toThrow();

      const noise = Buffer.alloc(random() % 512);
      for (let j = 0; j < noise.length; j++) noise[j] = random() & 0xff;
      noise.set([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 2), 1 + ((i >> 1) % 2)].slice(0, noise.length));
      expect(inspectBinary(noise).format).toBe(noise.length >= 4 ? 'elf' : 'unknown');
    }
  });

  it('stops at the section end when a Verneed claims more entries than it holds', () => {
    const bytes = makeElfSharedObject({ machine: 'x86_64', glibc: ['2.2.5', '2.17'] });
    const verneed = bytes.indexOf(Buffer.from([1, 0, 2, 0])); // vn_version 1, vn_cnt 2
    expect(verneed).toBeGreaterThan(0);
    bytes.writeUInt16LE(0xffff, verneed + 2);
    bytes.writeUInt32LE(16, verneed + 16 + 16 + 12); // last vna_next now points past the section
    const info = inspectBinary(bytes);
    expect(info.glibcVersions).toEqual(['2.2.5', '2.17']);
  });
});

describe('compareGlibc', () => {
  it('orders versions numerically, not as text', () => {
    expect(compareGlibc('2.2.5', '2.17')).toBeLessThan(0);
    expect(compareGlibc('2.28', '2.26')).toBeGreaterThan(0);
    expect(compareGlibc('2.26', '2.26.0')).toBe(0);
    expect(compareGlibc('GLIBC_2.34', '2.34')).toBe(0);
    expect(['2.34', '2.2.5', '2.17', '2.3'].sort(compareGlibc)).toEqual(['2.2.5', '2.3', '2.17', '2.34']);
  });
});
