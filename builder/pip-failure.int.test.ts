import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markerEnvironment } from '../core/marker-environment.js';
import { formatRequirement, parseRequirements } from '../core/requirements.js';
import { RUNTIMES, type Architecture, type PythonVersion } from '../core/runtime-catalog.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { writeSdist, writeWheel } from '../test/wheel-factory.js';
import { explainPipFailure, type PipFailure } from './pip-failure.js';
import { wheelsInstallArgs, type IndexOptions } from './pip-plan.js';
import { runPip } from './run-pip.js';

let root: string;
let wheels: string;
let server: IndexServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pip-failure-'));
  wheels = join(root, 'wheels');
  await mkdir(wheels);
  // CASES 2: the pinned release's only Linux wheel needs glibc 2.28.
  await writeWheel(wheels, { name: 'pkg', version: '1.0', python: 'cp311', abi: 'abi3', platforms: ['manylinux2014_x86_64'] });
  await writeWheel(wheels, { name: 'pkg', version: '2.0', python: 'cp311', abi: 'abi3', platforms: ['manylinux_2_28_x86_64'] });
  await writeWheel(wheels, { name: 'pkg', version: '2.0', python: 'cp311', abi: 'cp311', platforms: ['macosx_11_0_arm64'] });
  // CASES 4: glibc 2.35 is above every Lambda runtime.
  await writeWheel(wheels, { name: 'newglibc', version: '3.0', python: 'cp313', abi: 'cp313', platforms: ['manylinux_2_35_x86_64'] });
  // CASES 5: sdist only.
  await writeSdist(wheels, { name: 'srconly', version: '1.0' });
  // CASES 6: x86_64 wheel only.
  await writeWheel(wheels, { name: 'x86only', version: '1.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux2014_x86_64'] });
  // A version conflict.
  await writeWheel(wheels, { name: 'left', version: '1.0', requires: ['shared==1.0'] });
  await writeWheel(wheels, { name: 'right', version: '1.0', requires: ['shared==2.0'] });
  await writeWheel(wheels, { name: 'shared', version: '1.0' });
  await writeWheel(wheels, { name: 'shared', version: '2.0' });
  server = await startIndexServer(wheels);
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

let buildCount = 0;

async function buildAndExplain(
  version: PythonVersion,
  arch: Architecture,
  requirementsText: string,
  index: IndexOptions = { indexUrl: server.url, extraIndexUrls: [] },
): Promise<{ exitCode: number | null; failure: PipFailure }> {
  const dir = join(root, `build-${++buildCount}`);
  await mkdir(dir);
  const { requirements, issues } = parseRequirements(requirementsText);
  expect(issues).toEqual([]);
  const requirementsFile = join(dir, 'requirements.txt');
  await writeFile(requirementsFile, requirements.map(formatRequirement).join('\n') + '\n');
  const runtime = RUNTIMES[version];
  const args = wheelsInstallArgs({
    runtime,
    arch,
    targetDir: join(dir, 'site-packages'),
    requirementsFile,
    reportFile: join(dir, 'report.json'),
    index,
    retries: 0,
    timeoutSeconds: 5,
  });
  const run = await runPip({ args: ['install', ...args], markerEnvironment: markerEnvironment(runtime, arch), timeoutMs: 60_000 });
  const failure = await explainPipFailure(run.output, { runtime, arch, requirements, index, lookupTimeoutMs: 5000 });
  return { exitCode: run.exitCode, failure };
}

describe('explainPipFailure on real pip output', () => {
  it('explains a pinned manylinux_2_28 release on python3.11 and names the fixes (CASES 2)', async () => {
    const { exitCode, failure } = await buildAndExplain('3.11', 'x86_64', 'pkg==2.0\n');
    expect(exitCode).toBe(1);
    expect(failure.kind).toBe('no-fitting-wheel');
    expect(failure.packages).toEqual(['pkg']);
    expect(failure.message).toContain('pkg==2.0');
    expect(failure.message).toContain('python3.11 runs on Amazon Linux 2 (glibc 2.26)');
    expect(failure.message).toContain('manylinux_2_28_x86_64 (needs glibc 2.28)');
    expect(failure.message).toContain('macosx_11_0_arm64 (macOS)');
    expect(failure.message).toContain('pkg 1.0 has a fitting wheel (pin pkg==1.0)');
    expect(failure.message).toContain('python 3.12+ (Amazon Linux 2023, glibc 2.34) can use pkg 2.0');
  });

  it('refuses a manylinux_2_35 wheel on python3.13 and says no runtime can use it (CASES 4)', async () => {
    const { failure } = await buildAndExplain('3.13', 'x86_64', 'newglibc\n');
    expect(failure.kind).toBe('no-fitting-wheel');
    expect(failure.packages).toEqual(['newglibc']);
    expect(failure.message).toContain('python3.13 runs on Amazon Linux 2023 (glibc 2.34)');
    expect(failure.message).toContain('newglibc 3.0 has wheels only for manylinux_2_35_x86_64 (needs glibc 2.35)');
    expect(failure.message).toContain('No Lambda Python runtime on x86_64 can use a wheel of newglibc 3.0');
  });

  it('names an sdist-only package as source-only for the runtime and architecture (CASES 5)', async () => {
    const { failure } = await buildAndExplain('3.11', 'x86_64', 'srconly\n');
    expect(failure).toEqual({
      kind: 'source-only',
      packages: ['srconly'],
      message: expect.stringContaining(
        'srconly has no wheel for python3.11 on x86_64 (only the source distribution srconly-1.0.tar.gz); the wheels strategy does not compile',
      ) as string,
    });
  });

  it('builds x86_64 but fails arm64 naming the package and the architecture (CASES 6)', async () => {
    const x86 = await buildAndExplain('3.12', 'x86_64', 'x86only\n');
    expect(x86.exitCode).toBe(0);
    const { exitCode, failure } = await buildAndExplain('3.12', 'arm64', 'x86only\n');
    expect(exitCode).toBe(1);
    expect(failure.kind).toBe('no-fitting-wheel');
    expect(failure.packages).toEqual(['x86only']);
    expect(failure.message).toContain('fits python3.12 on arm64');
    expect(failure.message).toContain('x86only has wheels for x86_64 only (no aarch64 wheel)');
  });

  it('classifies conflicting pins as a version conflict naming the packages', async () => {
    const { failure } = await buildAndExplain('3.12', 'x86_64', 'left\nright\n');
    expect(failure.kind).toBe('version-conflict');
    expect(failure.packages.sort()).toEqual(['left', 'right', 'shared']);
    expect(failure.message).toContain('left 1.0 depends on shared==1.0');
    expect(failure.message).toContain('right 1.0 depends on shared==2.0');
  });

  it('classifies a wrong --hash as a hash mismatch naming the pin', async () => {
    const { failure } = await buildAndExplain('3.11', 'x86_64', `pkg==1.0 --hash=sha256:${'0'.repeat(64)}\n`);
    expect(failure.kind).toBe('hash-mismatch');
    expect(failure.packages).toEqual(['pkg']);
    expect(failure.message).toContain(`pkg==1.0: the requirements expect sha256 ${'0'.repeat(64)}`);
  });

  it('classifies a dependency without a hash in hash-checking mode and names it', async () => {
    const wheel = await readFile(join(wheels, 'left-1.0-py3-none-any.whl'));
    const hash = createHash('sha256').update(wheel).digest('hex');
    const { failure } = await buildAndExplain('3.12', 'x86_64', `left==1.0 --hash=sha256:${hash}\n`);
    expect(failure.kind).toBe('hash-mismatch');
    expect(failure.packages).toEqual(['shared']);
    expect(failure.message).toContain('shared==1.0 --hash=sha256:');
  });

  it('classifies a closed index port as index-unreachable and names the index', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const indexUrl = `http://127.0.0.1:${port}/simple`;
    const { failure } = await buildAndExplain('3.12', 'x86_64', 'pkg\n', { indexUrl, extraIndexUrls: [] });
    expect(failure.kind).toBe('index-unreachable');
    expect(failure.packages).toEqual([]);
    expect(failure.message).toContain(indexUrl);
    expect(failure.message).toMatch(/ECONNREFUSED|Connection refused/);
  });

  it('classifies a missing file:// index directory as index-unreachable', async () => {
    const indexUrl = pathToFileURL(join(root, 'no-such-index')).toString();
    const { failure } = await buildAndExplain('3.12', 'x86_64', 'pkg\n', { indexUrl, extraIndexUrls: [] });
    expect(failure.kind).toBe('index-unreachable');
    expect(failure.message).toContain('does not exist');
  });

  it('says a project the index does not have is not found', async () => {
    const { failure } = await buildAndExplain('3.12', 'x86_64', 'no-such-project\n');
    expect(failure).toEqual({ kind: 'not-found', packages: ['no-such-project'], message: expect.stringContaining('no-such-project is not on the package index') as string });
  });
});

describe('explainPipFailure without pip', () => {
  it('reports a build stopped at its time limit as a timeout', async () => {
    const failure = await explainPipFailure('Collecting pkg==2.0 (from -r r.txt (line 1))\n', {
      runtime: RUNTIMES['3.12'],
      arch: 'x86_64',
      requirements: [],
      index: { indexUrl: 'https://pypi.org/simple', extraIndexUrls: [] },
      timedOut: true,
    });
    expect(failure).toEqual({ kind: 'timeout', packages: [], message: expect.stringContaining('pkg==2.0') as string });
  });

  it('recognises the line runPip adds when it stops pip at the time limit', async () => {
    const failure = await explainPipFailure('Collecting pkg\n[pip was stopped after 900000 ms]', {
      runtime: RUNTIMES['3.12'],
      arch: 'x86_64',
      requirements: [],
      index: { indexUrl: 'https://pypi.org/simple', extraIndexUrls: [] },
    });
    expect(failure.kind).toBe('timeout');
  });

  it('suggests the runtime a release fits and hides index credentials', async () => {
    const output = 'ERROR: Could not find a version that satisfies the requirement lib==5.0 (from versions: none)\nERROR: No matching distribution found for lib==5.0\n';
    const { requirements } = parseRequirements('lib==5.0\n');
    const failure = await explainPipFailure(output, {
      runtime: RUNTIMES['3.11'],
      arch: 'x86_64',
      requirements,
      index: { indexUrl: 'https://user:secret@mirror.example/simple', extraIndexUrls: [] },
      listDistributions: async (indexUrl, project) =>
        project === 'lib' && indexUrl.includes('mirror.example')
          ? [{ name: 'lib', version: '5.0', kind: 'wheel', filename: 'lib-5.0-cp313-cp313-manylinux_2_17_x86_64.whl', url: 'https://mirror.example/lib-5.0.whl', tags: [{ python: 'cp313', abi: 'cp313', platform: 'manylinux_2_17_x86_64' }] }]
          : undefined,
    });
    expect(failure.kind).toBe('no-fitting-wheel');
    expect(failure.message).toContain('lib 5.0 has wheels only for cp313-cp313 (not cp311)');
    expect(failure.message).toContain('python 3.13 (Amazon Linux 2023, glibc 2.34) can use lib 5.0');
    expect(failure.message).not.toContain('secret');
  });
});
