import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIMES, type Architecture, type PythonVersion } from '../core/runtime-catalog.js';
import { makeElfSharedObject, makeMachOBytes, makePeBytes } from '../test/elf-factory.js';
import { inspectLayerTree } from './inspect-layer.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'inspect-layer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let trees = 0;
function tree(files: Record<string, Buffer | string>): string {
  const root = path.join(scratch, `tree-${trees++}`);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

const target = (version: PythonVersion, arch: Architecture = 'x86_64') => ({
  runtime: RUNTIMES[version],
  arch,
});
const x86 = (glibc = ['2.2.5', '2.17']) => makeElfSharedObject({ machine: 'x86_64', glibc });
const arm = (glibc = ['2.17']) => makeElfSharedObject({ machine: 'aarch64', glibc });

describe('inspectLayerTree', () => {
  it('passes a clean x86_64 tree and counts its files and bytes', async () => {
    const so = x86();
    const root = tree({
      'numpy/__init__.py': 'x = 1\n',
      'numpy/core/_multiarray_umath.cpython-313-x86_64-linux-gnu.so': so,
      'numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so': so,
      'numpy-2.1.0.dist-info/METADATA': 'Name: numpy\n',
    });
    const result = await inspectLayerTree(root, target('3.13'));
    expect(result.findings).toEqual([]);
    expect(result.files).toBe(4);
    expect(result.bytes).toBe(6 + 2 * so.length + 12);
  });

  it('fails an aarch64 .so in an x86_64 layer, naming the file and both machines (CASES 8)', async () => {
    const root = tree({ 'numpy/core/_x.so': arm() });
    const { findings } = await inspectLayerTree(root, target('3.12'));
    expect(findings).toEqual([
      {
        severity: 'error',
        kind: 'wrong-machine',
        file: 'numpy/core/_x.so',
        message: 'numpy/core/_x.so is built for aarch64, but this layer is for x86_64',
      },
    ]);
  });

  it('fails an x86_64 library in an arm64 layer, including versioned names and .libs', async () => {
    const root = tree({
      'pkg.libs/libgfortran-040039e1.so.5.0.0': x86(),
      'pkg/_ok.cpython-312-aarch64-linux-gnu.so': arm(),
    });
    const { findings } = await inspectLayerTree(root, target('3.12', 'arm64'));
    expect(findings.map((f) => [f.kind, f.file])).toEqual([
      ['wrong-machine', 'pkg.libs/libgfortran-040039e1.so.5.0.0'],
    ]);
    expect(findings[0]?.message).toContain('built for x86_64, but this layer is for aarch64');
  });

  it('finds ELF files by their magic whatever their name', async () => {
    const root = tree({ 'pkg/bin/helper': arm() });
    const { findings } = await inspectLayerTree(root, target('3.12'));
    expect(findings.map((f) => [f.kind, f.file])).toEqual([['wrong-machine', 'pkg/bin/helper']]);
  });

  it('fails macOS and Windows binaries as not-linux (CASES 8)', async () => {
    const root = tree({
      'pkg/libfoo.dylib': makeMachOBytes(),
      'pkg/_speedups.pyd': makePeBytes(),
      'pkg/helper.dll': makePeBytes(),
      'pkg/_native.so': makeMachOBytes(),
      'pkg/stray-binary': makeMachOBytes(),
    });
    const { findings } = await inspectLayerTree(root, target('3.13'));
    expect(findings.map((f) => [f.kind, f.severity, f.file])).toEqual([
      ['not-linux', 'error', 'pkg/_native.so'],
      ['not-linux', 'error', 'pkg/_speedups.pyd'],
      ['not-linux', 'error', 'pkg/helper.dll'],
      ['not-linux', 'error', 'pkg/libfoo.dylib'],
      ['not-linux', 'error', 'pkg/stray-binary'],
    ]);
    expect(findings[0]?.message).toMatch(/pkg\/_native\.so is a macOS \(Mach-O\) binary/);
    expect(findings[1]?.message).toMatch(/pkg\/_speedups\.pyd is a Windows \(PE\) binary/);
  });

  it('leaves Windows launchers and Java class files that are never loaded alone', async () => {
    const root = tree({
      'setuptools/cli-64.exe': makePeBytes(),
      'py4j/Gateway.class': Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]),
      'pkg/README.so.txt': 'not a library\n',
    });
    const { findings } = await inspectLayerTree(root, target('3.13'));
    expect(findings).toEqual([]);
  });

  it('fails a .so needing GLIBC_2.27 on python3.11 and names file, version and runtime (CASES 9)', async () => {
    const root = tree({ 'lib/_fast.abi3.so': x86(['2.2.5', '2.17', '2.27']) });
    const { findings } = await inspectLayerTree(root, target('3.11'));
    expect(findings).toEqual([
      {
        severity: 'error',
        kind: 'glibc-too-new',
        file: 'lib/_fast.abi3.so',
        message:
          'lib/_fast.abi3.so needs GLIBC_2.27, but python3.11 runs on Amazon Linux 2 with glibc 2.26',
      },
    ]);
  });

  it('allows the same GLIBC_2.27 .so on python3.12 (glibc 2.34) and GLIBC_2.26 on python3.11', async () => {
    const root = tree({ 'lib/_fast.abi3.so': x86(['2.2.5', '2.17', '2.27']) });
    expect((await inspectLayerTree(root, target('3.12'))).findings).toEqual([]);
    const edge = tree({ 'lib/_fast.abi3.so': x86(['2.26']) });
    expect((await inspectLayerTree(edge, target('3.11'))).findings).toEqual([]);
  });

  it('fails GLIBC_2.35 on python3.13, and GLIBC_ABI_DT_RELR on glibc 2.34', async () => {
    const relr = makeElfSharedObject({
      machine: 'x86_64',
      glibc: ['2.2.5'],
      extraVersionNames: ['GLIBC_ABI_DT_RELR'],
    });
    const root = tree({ 'a/new.so': x86(['2.35']), 'a/relr.so': relr });
    const { findings } = await inspectLayerTree(root, target('3.13'));
    expect(findings.map((f) => f.message)).toEqual([
      'a/new.so needs GLIBC_2.35, but python3.13 runs on Amazon Linux 2023 with glibc 2.34',
      'a/relr.so needs GLIBC_ABI_DT_RELR (glibc 2.36), but python3.13 runs on Amazon Linux 2023 with glibc 2.34',
    ]);
  });

  it('checks vendored .libs libraries for glibc too', async () => {
    const root = tree({ 'scipy.libs/libopenblas.so.0': x86(['2.29']) });
    const { findings } = await inspectLayerTree(root, target('3.10'));
    expect(findings.map((f) => [f.kind, f.file])).toEqual([
      ['glibc-too-new', 'scipy.libs/libopenblas.so.0'],
    ]);
  });

  it('fails a cpython-311 extension in a 3.13 layer; cpython-313, abi3 and plain .so pass (CASES 7)', async () => {
    const so = x86();
    const root = tree({
      'foo/foo.cpython-311-x86_64-linux-gnu.so': so,
      'foo/bar.cpython-313-x86_64-linux-gnu.so': so,
      'foo/baz.abi3.so': so,
      'foo/libplain.so': so,
    });
    const { findings } = await inspectLayerTree(root, target('3.13'));
    expect(findings).toEqual([
      {
        severity: 'error',
        kind: 'wrong-abi',
        file: 'foo/foo.cpython-311-x86_64-linux-gnu.so',
        message: 'foo/foo.cpython-311-x86_64-linux-gnu.so is for CPython 3.11, not python3.13',
      },
    ]);
  });

  it('fails extension names for another machine, musl, or free-threaded CPython', async () => {
    const so = arm();
    const root = tree({
      'm/a.cpython-312-x86_64-linux-gnu.so': so,
      'm/b.cpython-312-aarch64-linux-musl.so': so,
      'm/c.cpython-312t-aarch64-linux-gnu.so': so,
      'm/d.cpython-312-aarch64-linux-gnu.so': so,
    });
    const { findings } = await inspectLayerTree(root, target('3.12', 'arm64'));
    expect(findings.map((f) => [f.kind, f.file, f.message.split(' ').slice(1).join(' ')])).toEqual([
      ['wrong-abi', 'm/a.cpython-312-x86_64-linux-gnu.so', 'is named for x86_64, but this layer is for aarch64'],
      ['wrong-abi', 'm/b.cpython-312-aarch64-linux-musl.so', 'is built for musl libc, but python3.12 on Lambda uses glibc'],
      ['wrong-abi', 'm/c.cpython-312t-aarch64-linux-gnu.so', 'is for CPython 3.12t (ABI flags "t"), not python3.12'],
    ]);
  });

  it('skips __pycache__ and .pyc, and does not follow symlinks', async () => {
    const outside = tree({ 'evil.so': arm() });
    const root = tree({
      'pkg/__pycache__/mod.cpython-311.pyc': 'x',
      'pkg/mod.pyc': 'x',
      'pkg/mod.py': 'x',
    });
    symlinkSync(path.join(outside, 'evil.so'), path.join(root, 'pkg/link.so'));
    symlinkSync(outside, path.join(root, 'pkg/linkdir'));
    const result = await inspectLayerTree(root, target('3.12'));
    expect(result).toEqual({ findings: [], files: 1, bytes: 1 });
  });
});
