import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBuildRequest } from '../core/build-request.js';
import type { BuildRequestInput } from '../core/schemas.js';
import { makeElfSharedObject } from '../test/elf-factory.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { extractZip, importFromLayer, listZip } from '../test/layer-zip.js';
import { writeSdist, writeWheel } from '../test/wheel-factory.js';
import { buildLayer, type BuilderOptions } from './build-layer.js';
import type { ContainerEngine } from './container-engine.js';
import { LayerBuildError } from './layer-build-error.js';

let wheels: string;
let index: IndexServer;
let out: string;

const soX86 = (glibc = ['2.2.5', '2.17']) => ({ data: makeElfSharedObject({ machine: 'x86_64', glibc }), mode: 0o755 });

beforeAll(async () => {
  wheels = await mkdtemp(join(tmpdir(), 'wheels-'));
  out = await mkdtemp(join(tmpdir(), 'layers-'));
  const w = (spec: Parameters<typeof writeWheel>[1]) => writeWheel(wheels, spec);
  await w({ name: 'alpha', version: '1.0', requires: ['beta>=1', 'tomlish ; python_version < "3.11"', 'winonly ; sys_platform == "win32"'] });
  await w({
    name: 'beta',
    version: '1.2',
    files: {
      'beta/secret.py': { data: 'VALUE = 1\n', mode: 0o600 },
      'beta/group.py': { data: 'VALUE = 2\n', mode: 0o640 },
      'beta/tool.sh': { data: '#!/bin/sh\n', mode: 0o755 },
      'beta/__pycache__/stale.cpython-311.pyc': 'junk',
    },
  });
  await w({ name: 'tomlish', version: '1.0' });
  await w({ name: 'native', version: '1.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'], files: { 'native/_speed.cpython-312-x86_64-linux-gnu.so': soX86() } });
  await w({ name: 'badmachine', version: '1.0', platforms: ['manylinux2014_x86_64'], files: { 'badmachine/_core.so': { data: makeElfSharedObject({ machine: 'aarch64', glibc: ['2.17'] }), mode: 0o755 } } });
  await w({ name: 'badglibc', version: '1.0', platforms: ['manylinux2014_x86_64'], files: { 'badglibc/_core.abi3.so': soX86(['2.17', '2.27']) } });
  await w({ name: 'wrongabi', version: '1.0', files: { 'wrongabi/_x.cpython-311-x86_64-linux-gnu.so': soX86() } });
  await w({ name: 'x86only', version: '1.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux2014_x86_64'] });
  await w({ name: 'x86too', version: '2.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux2014_x86_64'] });
  await writeSdist(wheels, { name: 'sourceonly', version: '1.0' });
  // The AWS SDK and friends (CASES 14)
  await w({ name: 'boto3', version: '1.35.0', requires: ['botocore>=1.35', 's3transfer>=0.10', 'jmespath>=1'] });
  await w({ name: 'botocore', version: '1.35.0', requires: ['jmespath>=1', 'python-dateutil>=2', 'urllib3>=1'] });
  await w({ name: 's3transfer', version: '0.10.0', requires: ['botocore>=1.33'] });
  await w({ name: 'jmespath', version: '1.0.1' });
  await w({ name: 'python-dateutil', version: '2.9.0', requires: ['six>=1.5'], topLevel: 'dateutil' });
  await w({ name: 'six', version: '1.16.0' });
  await w({ name: 'urllib3', version: '2.2.0' });
  await w({ name: 'myapp', version: '1.0', requires: ['python-dateutil>=2'] });
  await w({ name: 'sdkuser', version: '1.0', requires: ['botocore>=1.30'] });
  index = await startIndexServer(wheels);
});

afterAll(async () => {
  await index?.close();
  await rm(wheels, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

function options(extra: Partial<BuilderOptions> = {}): BuilderOptions {
  return { index: { indexUrl: index.url, extraIndexUrls: [] }, pipTimeoutMs: 60_000, ...extra };
}

async function build(body: Partial<BuildRequestInput> & { requirements: string }, arch: 'x86_64' | 'arm64' = 'x86_64', extra: Partial<BuilderOptions> = {}) {
  const { request, requirements } = validateBuildRequest({ python_version: '3.12', strategy: 'wheels', ...body });
  const outDir = await mkdtemp(join(out, 'run-'));
  return buildLayer({ request, requirements, arch, outDir, today: '2026-12-03' }, options(extra));
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LayerBuildError);
  return (error as Error).message;
}

describe('a combined layer', () => {
  it('puts everything under python/lib/pythonX.Y/site-packages with Unix modes, no bytecode, and imports (CASES 10, 11, 16)', async () => {
    const { files, report } = await build({ requirements: 'alpha\n' });
    expect(files.map((f) => f.filename)).toEqual(['combined-python3.12-x86_64.zip']);
    const entries = listZip(files[0]!.path);
    expect(entries.length).toBeGreaterThan(5);
    const prefixDirs = ['python/', 'python/lib/', 'python/lib/python3.12/', 'python/lib/python3.12/site-packages/'];
    expect(entries.filter((e) => !e.name.startsWith('python/lib/python3.12/site-packages/')).map((e) => e.name)).toEqual(prefixDirs.slice(0, 3));
    expect(entries.every((e) => e.system === 'unx')).toBe(true);
    const mode = (suffix: string) => entries.find((e) => e.name.endsWith(suffix))?.permissions;
    expect(mode('beta/secret.py')).toBe('-rw-r--r--');
    expect(mode('beta/group.py')).toBe('-rw-r--r--');
    expect(mode('beta/tool.sh')).toBe('-rwxr-xr-x');
    expect(mode('site-packages/beta/')).toBe('drwxr-xr-x');
    expect(entries.some((e) => /__pycache__|\.pyc$/.test(e.name))).toBe(false);
    expect(entries.some((e) => e.name.includes('/bin/'))).toBe(false);
    expect(entries.some((e) => e.name.endsWith('alpha-1.0.dist-info/METADATA'))).toBe(true);

    const site = join(extractZip(files[0]!.path), 'python/lib/python3.12/site-packages');
    const printed = importFromLayer(site, 'import alpha, beta, importlib.metadata as m; print(alpha.__version__, m.version("beta"))');
    expect(printed.trim()).toBe('1.0 1.2');
    expect(report.packages.map((p) => `${p.name}==${p.version}`)).toEqual(['alpha==1.0', 'beta==1.2']);
    expect(report.unzipped_size).toBeGreaterThan(0);
    expect(report.zipped_size).toBe(files[0]!.size);
  });

  it('is byte-identical when built again (CASES 15)', async () => {
    const first = await build({ requirements: 'alpha\nnative\n' });
    const second = await build({ requirements: 'alpha\nnative\n' });
    expect(second.files[0]!.sha256).toBe(first.files[0]!.sha256);
    const bytes = await readFile(second.files[0]!.path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(second.files[0]!.sha256);
  });

  it('judges markers for the target runtime, not this python3.11 host (CASES 17)', async () => {
    const for310 = await build({ requirements: 'alpha\n', python_version: '3.10' });
    expect(for310.report.packages.map((p) => p.name)).toEqual(['alpha', 'beta', 'tomlish']);
    const for312 = await build({ requirements: 'alpha\n', python_version: '3.12' });
    expect(for312.report.packages.map((p) => p.name)).toEqual(['alpha', 'beta']);
    const skipped = await build({ requirements: 'alpha\nsix ; python_version >= "3.12"\n', python_version: '3.11' });
    expect(skipped.report.packages.map((p) => p.name)).not.toContain('six');
  });

  it('fails when the markers exclude every line for the target, instead of an empty layer', async () => {
    const message = await failure(build({ requirements: 'alpha ; sys_platform == "win32"\nbeta ; python_version < "3.8"\n' }));
    expect(message).toContain('none of the requirements applies to python3.12 on x86_64');
  });

  it('uses python/ when that layout is asked for', async () => {
    const { files } = await build({ requirements: 'alpha\n', layout: 'python' });
    expect(listZip(files[0]!.path).every((e) => e.name.startsWith('python/') && !e.name.startsWith('python/lib/'))).toBe(true);
  });

  it('warns that python3.10 can no longer be used for new functions', async () => {
    const { report } = await build({ requirements: 'alpha\n', python_version: '3.10' });
    expect(report.warnings.join('\n')).toContain('python3.10 is deprecated on Lambda since 2026-10-31');
  });
});

describe('individual mode', () => {
  it('writes one zip per requested package with what it needs, named as the seed does', async () => {
    const { files } = await build({ requirements: 'alpha\nmyapp\n', single_file: false });
    expect(files.map((f) => f.filename).sort()).toEqual(['alpha-python3.12-x86_64.zip', 'myapp-python3.12-x86_64.zip']);
    const names = (file: string) => listZip(files.find((f) => f.filename === file)!.path).map((e) => e.name);
    expect(names('alpha-python3.12-x86_64.zip').some((n) => n.includes('/beta/'))).toBe(true);
    expect(names('alpha-python3.12-x86_64.zip').some((n) => n.includes('/dateutil/'))).toBe(false);
    expect(names('myapp-python3.12-x86_64.zip').some((n) => n.includes('/six.py') || n.includes('/six/'))).toBe(true);
  });
});

describe('binaries that would fail on Lambda', () => {
  it('fails naming an aarch64 .so in an x86_64 layer (CASES 8)', async () => {
    const message = await failure(build({ requirements: 'badmachine\n' }));
    expect(message).toContain('badmachine/_core.so');
    expect(message).toContain('aarch64');
  });

  it('fails naming a .so that needs a newer glibc than python3.11 has (CASES 9)', async () => {
    const message = await failure(build({ requirements: 'badglibc\n', python_version: '3.11' }));
    expect(message).toContain('badglibc/_core.abi3.so');
    expect(message).toContain('GLIBC_2.27');
    const fine = await build({ requirements: 'badglibc\n', python_version: '3.12' });
    expect(fine.files).toHaveLength(1);
  });

  it('fails on a cpython-311 extension in a python3.13 layer (CASES 7)', async () => {
    const message = await failure(build({ requirements: 'wrongabi\n', python_version: '3.13' }));
    expect(message).toContain('wrongabi/_x.cpython-311-x86_64-linux-gnu.so');
  });
});

describe('packages without a fitting wheel', () => {
  it('fails a wheels build of an sdist-only package, naming it (CASES 5)', async () => {
    const message = await failure(build({ requirements: 'sourceonly\n' }));
    expect(message).toContain('sourceonly');
  });

  it('auto without a container engine names the package and why the container cannot help', async () => {
    const noEngine: ContainerEngine = {
      checkEngine: async () => 'no container engine answered (`docker version`: Cannot connect to the Docker daemon)',
      run: async () => {
        throw new Error('must not run');
      },
    };
    const message = await failure(build({ requirements: 'sourceonly\n', strategy: 'auto' }, 'x86_64', { container: { engine: noEngine } }));
    expect(message).toContain('sourceonly');
    expect(message).toContain('Cannot connect to the Docker daemon');
  });

  it('auto with an engine builds in the runtime\'s SAM image for that architecture (CASES 5)', async () => {
    const calls: string[][] = [];
    const engine: ContainerEngine = {
      checkEngine: async () => undefined,
      async run(args) {
        calls.push(args);
        // Stand in for pip inside the image: install a wheel into the mounted /output.
        const output = args[args.indexOf('--volume', args.indexOf('--volume') + 1) + 1]!.split(':')[0]!;
        const { runPip } = await import('./run-pip.js');
        const { markerEnvironment } = await import('../core/marker-environment.js');
        const { RUNTIMES } = await import('../core/runtime-catalog.js');
        const alpha = await writeWheel(await mkdtemp(join(tmpdir(), 'built-')), { name: 'sourceonly', version: '1.0' });
        return runPip({
          args: ['install', '--isolated', '--no-deps', '--target', join(output, 'site-packages'), alpha],
          markerEnvironment: markerEnvironment(RUNTIMES['3.12'], 'x86_64'),
          timeoutMs: 60_000,
        });
      },
    };
    const { report, files } = await build({ requirements: 'sourceonly\n', strategy: 'auto' }, 'x86_64', { container: { engine } });
    expect(report.strategy_used).toBe('container');
    expect(files).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('public.ecr.aws/sam/build-python3.12:latest-x86_64');
    expect(calls[0]!.slice(calls[0]!.indexOf('--platform'), calls[0]!.indexOf('--platform') + 2)).toEqual(['--platform', 'linux/amd64']);
  });

  it('fails arm64 naming the package and the architecture, never reusing x86_64 files (CASES 6)', async () => {
    const x86 = await build({ requirements: 'x86only\n' }, 'x86_64');
    expect(x86.files[0]!.filename).toBe('combined-python3.12-x86_64.zip');
    const message = await failure(build({ requirements: 'x86only\n' }, 'arm64'));
    expect(message).toContain('x86only');
    expect(message).toMatch(/arm64|aarch64/);
  });

  it('names every requested package without a fitting wheel at once, not only the one pip stopped at', async () => {
    const message = await failure(build({ requirements: 'x86only\nalpha\nx86too>=1\n' }, 'arm64'));
    expect(message).toContain('x86only');
    expect(message).toContain('Also without a fitting wheel for python3.12 on arm64: x86too>=1.');
    expect(message).not.toMatch(/Also without.*alpha/);
  });
});

describe('options', () => {
  it('removes boto3, botocore, s3transfer and what only they need, and says so (CASES 14)', async () => {
    const { report, files } = await build({ requirements: 'boto3\nmyapp\n', exclude_runtime_sdk: true });
    expect(report.removed_packages).toEqual(['boto3', 'botocore', 'jmespath', 's3transfer', 'urllib3']);
    expect(report.packages.map((p) => p.name).sort()).toEqual(['myapp', 'python-dateutil', 'six']);
    const names = listZip(files[0]!.path).map((e) => e.name);
    expect(names.some((n) => n.includes('botocore'))).toBe(false);
    expect(names.some((n) => n.includes('/dateutil/'))).toBe(true);
  });

  it('warns when a kept package needs the SDK it removed', async () => {
    const { report } = await build({ requirements: 'sdkuser\n', exclude_runtime_sdk: true });
    expect(report.removed_packages).toContain('botocore');
    expect(report.warnings).toContain('sdkuser needs the AWS SDK; it will use the version built into python3.12');
  });

  it('keeps the SDK when not asked to remove it', async () => {
    const { report } = await build({ requirements: 'boto3\n' });
    expect(report.removed_packages).toEqual([]);
    expect(report.packages.map((p) => p.name)).toContain('botocore');
  });

  it('slims without dropping dist-info or touching shared objects (CASES 13)', async () => {
    const { files } = await build({ requirements: 'native\n', slim: true });
    const dir = extractZip(files[0]!.path);
    const site = join(dir, 'python/lib/python3.12/site-packages');
    expect(existsSync(join(site, 'native-1.0.dist-info/METADATA'))).toBe(true);
    const so = await readFile(join(site, 'native/_speed.cpython-312-x86_64-linux-gnu.so'));
    expect(so.equals(makeElfSharedObject({ machine: 'x86_64', glibc: ['2.2.5', '2.17'] }))).toBe(true);
  });
});

describe('size limits (CASES 12)', () => {
  it('fails over 250 MB unzipped, listing the largest packages', async () => {
    await writeWheel(wheels, { name: 'hugepkg', version: '1.0', files: { 'hugepkg/blob.bin': Buffer.alloc(260 * 1024 * 1024) } });
    const message = await failure(build({ requirements: 'hugepkg\nalpha\n' }));
    expect(message).toMatch(/unzipped; Lambda allows 250\.0 MB/);
    expect(message).toMatch(/hugepkg 1\.0: 260\.\d MB/);
  });

  it('succeeds over 50 MB zipped with a warning to upload through S3', async () => {
    await writeWheel(wheels, { name: 'bigpkg', version: '1.0', files: { 'bigpkg/blob.bin': randomBytes(52 * 1024 * 1024) } });
    const { report, files } = await build({ requirements: 'bigpkg\n' });
    expect(files[0]!.size).toBeGreaterThan(50 * 1024 * 1024);
    expect(report.warnings.join('\n')).toContain("over Lambda's 50.0 MB direct-upload limit");
  });
});
