import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDeterministicZip } from './deterministic-zip.js';
import { extractZip } from './extract-zip.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'extract-zip-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A zip written by Python's zipfile with the given raw entry names (for hostile names). */
function pythonZip(out: string, entries: Array<{ name: string; data: string; mode: number }>): void {
  const script = [
    'import json, sys, zipfile',
    'spec = json.loads(sys.argv[2])',
    'with zipfile.ZipFile(sys.argv[1], "w") as z:',
    '    for e in spec:',
    '        info = zipfile.ZipInfo(e["name"])',
    '        info.create_system = 3',
    '        info.external_attr = e["mode"] << 16',
    '        z.writestr(info, e["data"])',
  ].join('\n');
  execFileSync('python3', ['-c', script, out, JSON.stringify(entries)]);
}

describe('extractZip', () => {
  it('unpacks a layer zip as Lambda would: files with their modes, directories, in-layer symlinks as links', async () => {
    const source = join(scratch, 'tree');
    await mkdir(join(source, 'pkg', 'sub'), { recursive: true });
    await writeFile(join(source, 'pkg', '__init__.py'), 'VALUE = 1\n');
    await writeFile(join(source, 'pkg', '_native.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), { mode: 0o755 });
    await writeFile(join(source, 'pkg', 'sub', 'data.txt'), 'x'.repeat(10_000));
    await symlink('_native.so', join(source, 'pkg', '_alias.so'));
    const zip = join(scratch, 'layer.zip');
    await writeDeterministicZip({ sourceDir: source, prefix: 'python/lib/python3.13/site-packages/', outPath: zip });

    const out = join(scratch, 'out');
    const { entries } = await extractZip(zip, out);

    const site = join(out, 'python/lib/python3.13/site-packages');
    expect(entries).toBeGreaterThan(5);
    expect(await readFile(join(site, 'pkg/__init__.py'), 'utf8')).toBe('VALUE = 1\n');
    expect(await readFile(join(site, 'pkg/sub/data.txt'), 'utf8')).toBe('x'.repeat(10_000));
    expect((await stat(join(site, 'pkg/_native.so'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(site, 'pkg/__init__.py'))).mode & 0o777).toBe(0o644);
    expect((await lstat(join(site, 'pkg/_alias.so'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(site, 'pkg/_alias.so'))).toBe('_native.so');
  });

  it.each([
    ['a name with ..', [{ name: 'python/../../evil.py', data: 'x', mode: 0o100644 }]],
    ['an absolute name', [{ name: '/tmp/evil.py', data: 'x', mode: 0o100644 }]],
    ['a symlink out of the tree', [{ name: 'python/link', data: '../../../etc/passwd', mode: 0o120777 }]],
  ])('refuses %s and writes nothing outside', async (_label, entries) => {
    const zip = join(scratch, `hostile-${Math.random().toString(36).slice(2)}.zip`);
    pythonZip(zip, entries);
    const out = join(scratch, `hostile-out-${Math.random().toString(36).slice(2)}`);
    await expect(extractZip(zip, out)).rejects.toThrow(/would leave the directory/);
    await expect(stat(join(scratch, 'evil.py'))).rejects.toThrow();
  });

  it('says so when the file is not a zip', async () => {
    const notZip = join(scratch, 'not.zip');
    await writeFile(notZip, 'hello');
    await expect(extractZip(notZip, join(scratch, 'nz'))).rejects.toThrow(/not a zip/);
  });
});
