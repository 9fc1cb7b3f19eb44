import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDeterministicZip } from './deterministic-zip.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'det-zip-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SITE = 'python/lib/python3.13/site-packages/';
let counter = 0;
const fresh = (label: string): string => path.join(scratch, `${label}-${counter++}`);

function hasTool(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}
const HAS_UNZIP = hasTool('unzip', ['-v']);
const HAS_PYTHON = hasTool('python3', ['-c', 'import zipfile']);

/** Writes files (string/Buffer content, optional mode) under a new root. */
function tree(files: Record<string, string | Buffer | { content: string | Buffer; mode: number }>): string {
  const root = fresh('tree');
  mkdirSync(root, { recursive: true });
  for (const [rel, spec] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      writeFileSync(abs, spec);
    } else {
      writeFileSync(abs, spec.content);
      chmodSync(abs, spec.mode);
    }
  }
  return root;
}

interface CentralEntry {
  name: string;
  versionMadeBy: number;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  unixMode: number;
  msdosAttributes: number;
  data: Buffer;
}

/** Reads the zip as a reader would: EOCD -> central directory -> local headers -> data. */
function parseZip(zip: Buffer): CentralEntry[] {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  expect(zip.readUInt16LE(eocd + 20)).toBe(0); // no comment
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  let at = zip.readUInt32LE(eocd + 16);
  expect(at + cdSize).toBe(eocd);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    expect(zip.readUInt16LE(at + 30)).toBe(0); // extra
    expect(zip.readUInt16LE(at + 32)).toBe(0); // comment
    const external = zip.readUInt32LE(at + 38);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const entry = {
      name,
      versionMadeBy: zip.readUInt16LE(at + 4),
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      time: zip.readUInt16LE(at + 12),
      date: zip.readUInt16LE(at + 14),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      unixMode: external >>> 16,
      msdosAttributes: external & 0xffff,
      data: Buffer.alloc(0),
    };
    // The local header repeats the central one exactly, with no extra field.
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    expect(zip.readUInt16LE(localOffset + 6)).toBe(entry.flags);
    expect(zip.readUInt16LE(localOffset + 8)).toBe(entry.method);
    expect(zip.readUInt32LE(localOffset + 14)).toBe(entry.crc);
    expect(zip.readUInt32LE(localOffset + 18)).toBe(entry.compressedSize);
    expect(zip.readUInt32LE(localOffset + 22)).toBe(entry.size);
    expect(zip.readUInt16LE(localOffset + 28)).toBe(0);
    expect(zip.toString('utf8', localOffset + 30, localOffset + 30 + nameLength)).toBe(name);
    const start = localOffset + 30 + nameLength;
    const raw = zip.subarray(start, start + entry.compressedSize);
    entry.data = entry.method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(entry.data.length).toBe(entry.size);
    expect(crc32(entry.data) >>> 0).toBe(entry.crc);
    entries.push(entry);
    at += 46 + nameLength;
  }
  return entries;
}

async function zipTree(sourceDir: string, prefix = SITE, extra: { level?: number; include?: (p: string) => boolean } = {}) {
  const outPath = path.join(fresh('out'), 'layer.zip');
  mkdirSync(path.dirname(outPath), { recursive: true });
  const result = await writeDeterministicZip({ sourceDir, prefix, outPath, ...extra });
  const bytes = readFileSync(outPath);
  return { result, outPath, bytes, entries: parseZip(bytes) };
}

describe('writeDeterministicZip', () => {
  it('stores Unix modes 0644 / 0755 whatever the installed modes, from a Unix host (CASES 11)', async () => {
    const root = tree({
      'pkg/private.py': { content: 'a = 1\n', mode: 0o600 },
      'pkg/group.py': { content: 'b = 2\n', mode: 0o640 },
      'pkg/tool': { content: '#!/bin/sh\n', mode: 0o755 },
      'pkg/only-owner-exec': { content: '#!/bin/sh\n', mode: 0o700 },
      'pkg/_native.cpython-313-x86_64-linux-gnu.so': { content: 'ELF', mode: 0o600 },
      'pkg.libs/libfoo-1a2b.so.1.2': { content: 'ELF', mode: 0o644 },
      'pkg/conf.so.d/notes.txt': { content: 'not a library', mode: 0o644 },
    });
    chmodSync(path.join(root, 'pkg'), 0o700);
    const { entries, outPath } = await zipTree(root);
    const modes = Object.fromEntries(entries.map((e) => [e.name.slice(SITE.length), e.unixMode.toString(8)]));
    expect(modes).toEqual({
      '': '40755',
      'pkg/': '40755',
      'pkg/_native.cpython-313-x86_64-linux-gnu.so': '100755',
      'pkg/conf.so.d/': '40755',
      'pkg/conf.so.d/notes.txt': '100644',
      'pkg/group.py': '100644',
      'pkg/only-owner-exec': '100755',
      'pkg/private.py': '100644',
      'pkg/tool': '100755',
      'pkg.libs/': '40755',
      'pkg.libs/libfoo-1a2b.so.1.2': '100755',
      ...Object.fromEntries(['python/', 'python/lib/', 'python/lib/python3.13/'].map((d) => [d.slice(SITE.length), '40755'])),
    });
    for (const entry of entries) {
      expect(entry.versionMadeBy >> 8).toBe(3);
      expect(entry.versionMadeBy & 0xff).toBe(20);
    }
    expect(entries.find((e) => e.name === `${SITE}pkg/`)?.msdosAttributes).toBe(0x10);

    if (HAS_UNZIP) {
      const listing = execFileSync('unzip', ['-Z', outPath], { encoding: 'utf8' });
      expect(listing).toMatch(/^-rw-r--r-- +2\.0 unx .* python\/lib\/python3\.13\/site-packages\/pkg\/private\.py$/m);
      expect(listing).toMatch(/^-rwxr-xr-x +2\.0 unx .*\/site-packages\/pkg\/_native\.cpython-313-x86_64-linux-gnu\.so$/m);
      expect(listing).toMatch(/^drwxr-xr-x +2\.0 unx .* python\/$/m);
      expect(listing).not.toMatch(/^-rw-------|^-rw-r-----/m);
      expect(listing).not.toMatch(/ (fat|ntf|hpf) /);
    }
  });

  it('puts every entry under the prefix, with explicit parent directories, nothing at the root (CASES 10)', async () => {
    const root = tree({ 'six.py': 'x', 'requests/api.py': 'y', 'requests-2.32.3.dist-info/METADATA': 'z' });
    mkdirSync(path.join(root, 'empty-dir'));
    for (const prefix of [SITE, 'python/']) {
      const { entries } = await zipTree(root, prefix);
      const names = entries.map((e) => e.name);
      for (const name of names) expect(name.startsWith('python/')).toBe(true);
      const dirs = names.filter((n) => n.endsWith('/'));
      for (const name of names) {
        const parent = name.replace(/[^/]+\/?$/, '');
        if (parent) expect(dirs).toContain(parent);
      }
      expect(names).toContain(`${prefix}six.py`);
      expect(names).toContain(`${prefix}empty-dir/`);
      expect(names).toContain(`${prefix}requests-2.32.3.dist-info/METADATA`);
    }
    const { entries } = await zipTree(root, 'python');
    expect(entries[0]?.name).toBe('python/');
  });

  it('refuses prefixes that would escape or start at the root', async () => {
    const root = tree({ 'a.py': 'x' });
    for (const prefix of ['/python/', '../python/', 'python//lib/', 'python\\lib']) {
      await expect(zipTree(root, prefix)).rejects.toThrow(/zip prefix must be a relative path/);
    }
  });

  it('leaves out __pycache__ and .pyc files (CASES 16)', async () => {
    const root = tree({
      'pkg/__init__.py': '',
      'pkg/__pycache__/__init__.cpython-311.pyc': 'bytecode',
      'pkg/sub/__pycache__/x.cpython-313.opt-1.pyc': 'bytecode',
      'pkg/stray.pyc': 'bytecode',
      'pkg/keep.pyi': 'stub',
    });
    const { entries } = await zipTree(root);
    const names = entries.map((e) => e.name);
    expect(names.some((n) => n.includes('__pycache__') || n.endsWith('.pyc'))).toBe(false);
    expect(names).toContain(`${SITE}pkg/keep.pyi`);
    expect(names).toContain(`${SITE}pkg/sub/`);
  });

  it('gives byte-identical zips for the same tree with different mtimes (CASES 15)', async () => {
    const root = tree({
      'a/one.py': 'print(1)\n'.repeat(100),
      'a/two.so': randomBytes(5000),
      'b/three.txt': 'three',
      'é-unicode/ñ.py': 'x',
    });
    const first = await zipTree(root);
    const later = new Date('2031-05-06T07:08:09Z');
    for (const rel of ['a/one.py', 'a/two.so', 'b/three.txt', 'a', 'b', '.']) {
      utimesSync(path.join(root, rel), later, later);
    }
    const second = await zipTree(root);
    expect(second.result.sha256).toBe(first.result.sha256);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(first.result.sha256).toBe(createHash('sha256').update(first.bytes).digest('hex'));
    expect(first.result.size).toBe(first.bytes.length);
    expect(first.result.entries).toBe(first.entries.length);
    expect(first.result.uncompressedBytes).toBe(first.entries.reduce((s, e) => s + e.size, 0));
    for (const entry of first.entries) {
      expect(entry.date).toBe((1 << 5) | 1); // 1980-01-01
      expect(entry.time).toBe(0);
      expect(entry.flags).toBe(0x0800); // UTF-8 names, no data descriptor
    }
  });

  it('sorts entries by UTF-8 bytes and has no duplicate names', async () => {
    const root = tree({ 'b.py': '', 'B.py': '', 'a/z.py': '', 'a-b/x.py': '', 'é.py': '', 'z.py': '' });
    const { entries } = await zipTree(root, 'python/');
    const names = entries.map((e) => e.name);
    const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(names).toEqual(sorted);
    expect(new Set(names).size).toBe(names.length);
    expect(names.indexOf('python/a-b/')).toBeLessThan(names.indexOf('python/a/'));
    expect(names.at(-1)).toBe('python/é.py');
  });

  it('deflates what shrinks and stores what does not', async () => {
    const root = tree({ 'text.py': 'x = 1\n'.repeat(2000), 'noise.bin': randomBytes(4096), 'empty.py': '' });
    const { entries } = await zipTree(root, 'python/');
    const byName = (n: string) => entries.find((e) => e.name === `python/${n}`);
    expect(byName('text.py')?.method).toBe(8);
    expect(byName('text.py')?.compressedSize).toBeLessThan(12000);
    expect(byName('noise.bin')?.method).toBe(0);
    expect(byName('empty.py')).toMatchObject({ method: 0, size: 0, compressedSize: 0 });
    const stored = await zipTree(root, 'python/', { level: 0 });
    expect(stored.entries.every((e) => e.method === 0)).toBe(true);
  });

  it('keeps an in-tree symlink as a link and stores an out-of-tree one as the file it points to', async () => {
    const outsideDir = tree({ 'shared.txt': 'from outside\n', 'dir/inner.py': 'inner\n' });
    const root = tree({ 'pkg.libs/libfoo.so.1.2.3': 'ELF...', 'pkg/data.txt': 'data' });
    symlinkSync('libfoo.so.1.2.3', path.join(root, 'pkg.libs/libfoo.so.1'));
    symlinkSync(path.join(root, 'pkg/data.txt'), path.join(root, 'pkg/absolute-link.txt'));
    symlinkSync(path.join(outsideDir, 'shared.txt'), path.join(root, 'pkg/shared.txt'));
    symlinkSync(path.join(outsideDir, 'dir'), path.join(root, 'pkg/linked-dir'));
    const { entries, outPath } = await zipTree(root, 'python/');
    const byName = (n: string) => entries.find((e) => e.name === `python/${n}`);

    expect(byName('pkg.libs/libfoo.so.1')?.unixMode.toString(8)).toBe('120777');
    expect(byName('pkg.libs/libfoo.so.1')?.method).toBe(0);
    expect(byName('pkg.libs/libfoo.so.1')?.data.toString()).toBe('libfoo.so.1.2.3');
    expect(byName('pkg/absolute-link.txt')?.data.toString()).toBe('data.txt');
    expect(byName('pkg/shared.txt')).toMatchObject({ unixMode: 0o100644 });
    expect(byName('pkg/shared.txt')?.data.toString()).toBe('from outside\n');
    expect(byName('pkg/linked-dir/')?.unixMode.toString(8)).toBe('40755');
    expect(byName('pkg/linked-dir/inner.py')?.data.toString()).toBe('inner\n');

    if (HAS_UNZIP) {
      const dest = fresh('extract');
      execFileSync('unzip', ['-q', outPath, '-d', dest]);
      const link = path.join(dest, 'python/pkg.libs/libfoo.so.1');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe('libfoo.so.1.2.3');
      expect(readFileSync(link, 'utf8')).toBe('ELF...');
      expect(lstatSync(path.join(dest, 'python/pkg/shared.txt')).isFile()).toBe(true);
      expect(readFileSync(path.join(dest, 'python/pkg/absolute-link.txt'), 'utf8')).toBe('data');
    }
  });

  it('fails clearly on a dangling symlink out of the tree and leaves no file behind', async () => {
    const root = tree({ 'a.py': 'x' });
    symlinkSync('/nonexistent/elsewhere.so', path.join(root, 'gone.so'));
    const outDir = fresh('out');
    mkdirSync(outDir);
    await expect(
      writeDeterministicZip({ sourceDir: root, prefix: 'python/', outPath: path.join(outDir, 'l.zip') }),
    ).rejects.toThrow(/symlink gone\.so points outside the tree to \/nonexistent\/elsewhere\.so/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('applies the include filter to files and to whole directories', async () => {
    const root = tree({ 'keep/a.py': 'a', 'keep/drop.txt': 'b', 'gone/c.py': 'c' });
    const seen: string[] = [];
    const { entries } = await zipTree(root, 'python/', {
      include: (rel) => {
        seen.push(rel);
        return rel !== 'gone/' && rel !== 'keep/drop.txt';
      },
    });
    expect(entries.map((e) => e.name)).toEqual(['python/', 'python/keep/', 'python/keep/a.py']);
    expect(seen.sort()).toEqual(['gone/', 'keep/', 'keep/a.py', 'keep/drop.txt']);
  });

  it('passes Info-ZIP `unzip -t` and Python zipfile.testzip()', async () => {
    const root = tree({
      'pkg/a.py': 'a = 1\n'.repeat(500),
      'pkg/b.bin': randomBytes(3000),
      'pkg/ünïcode.txt': 'u',
      'pkg/empty': '',
    });
    symlinkSync('a.py', path.join(root, 'pkg/alias.py'));
    const { outPath } = await zipTree(root);
    if (HAS_UNZIP) {
      expect(execFileSync('unzip', ['-t', outPath], { encoding: 'utf8' })).toContain('No errors detected');
    }
    if (HAS_PYTHON) {
      const out = execFileSync(
        'python3',
        ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), len(z.namelist()))', outPath],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe('None 10');
    }
  });

  it('round-trips a 20+ MB tree of many files byte for byte, including streamed big files', async () => {
    const files: Record<string, Buffer> = {};
    let seed = 7;
    for (let i = 0; i < 600; i++) {
      const text = Buffer.from(`def f${i}(x):\n    return x * ${i}\n`.repeat(150 + (i % 50)));
      files[`pkg${i % 12}/mod${i}.py`] = text;
      if (i % 10 === 0) files[`pkg${i % 12}/blob${i}.bin`] = randomBytes(2000 + ((seed = (seed * 31) % 9973) % 30000));
    }
    files['big/libhuge.so'] = Buffer.from('0123456789abcdef'.repeat(17 * 65536)); // 17 MiB, compressible
    files['big/random.dat'] = randomBytes(17 * 1024 * 1024 + 5); // 17 MiB, incompressible
    const root = tree(files);
    const total = Object.values(files).reduce((s, b) => s + b.length, 0);
    expect(total).toBeGreaterThan(20 * 1024 * 1024);

    const { entries, outPath, result } = await zipTree(root, 'python/');
    const fileEntries = entries.filter((e) => !e.name.endsWith('/'));
    expect(fileEntries).toHaveLength(Object.keys(files).length);
    for (const entry of fileEntries) {
      const source = files[entry.name.slice('python/'.length)];
      expect(source && entry.data.equals(source), entry.name).toBe(true);
    }
    expect(entries.find((e) => e.name === 'python/big/libhuge.so')?.method).toBe(8);
    expect(entries.find((e) => e.name === 'python/big/random.dat')?.method).toBe(0);
    expect(result.uncompressedBytes).toBe(total);
    expect(readdirSync(path.dirname(outPath))).toEqual(['layer.zip']); // no temporary files left

    if (HAS_UNZIP) {
      const dest = fresh('extract');
      execFileSync('unzip', ['-q', outPath, '-d', dest]);
      for (const [rel, content] of Object.entries(files)) {
        expect(readFileSync(path.join(dest, 'python', rel)).equals(content), rel).toBe(true);
      }
      expect(statSync(path.join(dest, 'python/big/libhuge.so')).mode & 0o777).toBe(0o755);
    }
  });

  it('refuses more than 65535 entries instead of writing zip64', async () => {
    const root = fresh('many');
    mkdirSync(root);
    for (let i = 0; i < 65535; i++) writeFileSync(path.join(root, `f${i}`), '');
    const outDir = fresh('out');
    mkdirSync(outDir);
    await expect(
      writeDeterministicZip({ sourceDir: root, prefix: 'python/', outPath: path.join(outDir, 'l.zip') }),
    ).rejects.toThrow(/65536 entries is more than a zip without zip64 holds \(65535\)/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('rejects a deflate level outside 0-9', async () => {
    const root = tree({ 'a.py': 'x' });
    await expect(zipTree(root, 'python/', { level: 10 })).rejects.toThrow(/level must be an integer from 0 to 9/);
  });
});
