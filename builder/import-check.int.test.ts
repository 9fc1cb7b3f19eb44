import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBuildRequest } from '../core/build-request.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { BuildRequestInput } from '../core/schemas.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { writeWheel } from '../test/wheel-factory.js';
import { buildLayer, type BuiltLayer } from './build-layer.js';
import { createDockerEngine } from './container-engine.js';
import { hostArchitecture } from './container-plan.js';
import { createContainerImportCheck, createHostImportCheck, firstAvailableImportCheck, type ImportCheck } from './import-check.js';
import { LayerBuildError } from './layer-build-error.js';

let scratch: string;
let wheels: string;
let index: IndexServer;
const native = hostArchitecture() ?? 'x86_64';
const foreign: Architecture = native === 'x86_64' ? 'arm64' : 'x86_64';
const MACHINE: Record<Architecture, string> = { x86_64: 'x86_64', arm64: 'aarch64' };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'import-check-'));
  wheels = await mkdtemp(join(tmpdir(), 'import-check-wheels-'));
  const w = (spec: Parameters<typeof writeWheel>[1]) => writeWheel(wheels, spec);
  await w({ name: 'alpha', version: '1.0', requires: ['beta>=1'] });
  await w({ name: 'beta', version: '1.2', files: { 'beta_helpers.py': 'HELP = True\n' } });
  await w({ name: 'needsghost', version: '1.0', files: { 'needsghost/__init__.py': 'import ghostdep\n' } });
  await w({ name: 'noisy', version: '1.0', files: { 'noisy/__init__.py': 'print("{\\"python\\": \\"fake\\"}")\nraise RuntimeError("no config file\\nsecond line\\nthird line\\nfourth line")\n' } });
  await w({ name: 'botocore', version: '1.35.0' });
  await w({ name: 'sdkuser', version: '1.0', requires: ['botocore>=1.30'], files: { 'sdkuser/__init__.py': 'import botocore\n' } });
  index = await startIndexServer(wheels);
});

afterAll(async () => {
  await index?.close();
  await rm(scratch, { recursive: true, force: true });
  await rm(wheels, { recursive: true, force: true });
});

async function build(body: Partial<BuildRequestInput> & { requirements: string }, importCheck: ImportCheck, arch: Architecture = native): Promise<BuiltLayer> {
  const { request, requirements } = validateBuildRequest({ python_version: '3.11', strategy: 'wheels', ...body });
  const outDir = await mkdtemp(join(scratch, 'out-'));
  return buildLayer(
    { request, requirements, arch, outDir, today: '2026-12-03' },
    { index: { indexUrl: index.url, extraIndexUrls: [] }, pipTimeoutMs: 60_000, importCheck },
  );
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LayerBuildError);
  return (error as Error).message;
}

/**
 * A stand-in `docker`: answers `version` (or not), records every other call's argv one
 * argument per line, writes down what the /opt and /check mounts hold, and prints a
 * canned result with a canned exit status.
 */
async function fakeDocker(opts: { engine?: boolean; stdout: string; exitCode?: number }) {
  const dir = await mkdtemp(join(scratch, 'docker-'));
  const argsFile = join(dir, 'args');
  const mountsFile = join(dir, 'mounts');
  const resultFile = join(dir, 'result');
  await writeFile(resultFile, opts.stdout);
  const docker = join(dir, 'docker');
  await writeFile(
    docker,
    `#!/bin/bash
if [ "$1" = version ]; then
  ${opts.engine === false ? 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1' : 'echo 28.2.2; exit 0'}
fi
printf '%s\\n' "$@" > '${argsFile}'
for ((i = 1; i <= $#; i++)); do
  if [ "\${!i}" = --volume ]; then
    j=$((i + 1)); spec=\${!j}; host=\${spec%%:*}
    echo "\${spec#*:}" >> '${mountsFile}'
    (cd "$host" && find . -type f | sort) >> '${mountsFile}'
  fi
done
cat '${resultFile}'
exit ${opts.exitCode ?? 0}
`,
  );
  await chmod(docker, 0o755);
  return {
    engine: createDockerEngine({ docker }),
    args: async () => (await readFile(argsFile, 'utf8')).trim().split('\n'),
    mounts: () => readFile(mountsFile, 'utf8'),
  };
}

describe('import check in the runtime image (stand-in docker)', () => {
  it('imports the unpacked zip in Lambda\'s image for the runtime, mounted at /opt, and accepts the layer', async () => {
    const docker = await fakeDocker({ stdout: '{"python": "3.11.14", "ok": ["alpha", "beta", "beta_helpers"], "failed": {}}\n' });
    const logs: string[] = [];
    const { request, requirements } = validateBuildRequest({ requirements: 'alpha\n', python_version: '3.11', strategy: 'wheels' });
    const built = await buildLayer(
      { request, requirements, arch: native, outDir: await mkdtemp(join(scratch, 'out-')), log: (line) => logs.push(line) },
      { index: { indexUrl: index.url, extraIndexUrls: [] }, importCheck: createContainerImportCheck({ engine: docker.engine }) },
    );

    expect(built.files).toHaveLength(1);
    const args = await docker.args();
    expect(args.slice(0, 2)).toEqual(['run', '--rm']);
    expect(args).toContain('none');
    expect(args).toContain('--read-only');
    expect(args.slice(args.indexOf('--entrypoint'), args.indexOf('--entrypoint') + 3)).toEqual([
      '--entrypoint',
      'python3.11',
      `public.ecr.aws/lambda/python:3.11-${native}`,
    ]);
    expect(args.slice(-4)).toEqual(['-B', '/check/import-check.py', '/opt/python/lib/python3.11/site-packages', '/var/runtime']);
    const mounts = await docker.mounts();
    expect(mounts).toContain('/opt:ro\n');
    expect(mounts).toContain('./python/lib/python3.11/site-packages/alpha/__init__.py');
    expect(mounts).toContain('./python/lib/python3.11/site-packages/beta_helpers.py');
    expect(mounts).toContain('/check:ro\n./import-check.py');
    expect(logs.some((line) => line.startsWith('docker run --rm'))).toBe(true);
    expect(logs).toContain(`import check: 3 top-level modules of combined-python3.11-${MACHINE[native]}.zip import on Python 3.11.14 (public.ecr.aws/lambda/python:3.11-${native})`);
  });

  it('fails the build naming each module that does not import and the first lines of its error', async () => {
    const failed = {
      alpha: 'ImportError: libgfortran.so.5: cannot open shared object file: No such file or directory',
      beta: 'Traceback line 1\nline 2\nline 3\nline 4 is not shown',
    };
    const docker = await fakeDocker({ stdout: `noise from a module\n${JSON.stringify({ python: '3.11.14', ok: ['beta_helpers'], failed })}\n`, exitCode: 1 });
    const message = await failure(build({ requirements: 'alpha\n' }, createContainerImportCheck({ engine: docker.engine })));
    expect(message).toBe(
      [
        `combined-python3.11-${MACHINE[native]}.zip does not import on python3.11 (${native}): 2 of 3 top-level modules failed in public.ecr.aws/lambda/python:3.11-${native} (Python 3.11.14):`,
        '  - alpha: ImportError: libgfortran.so.5: cannot open shared object file: No such file or directory',
        '  - beta: Traceback line 1\n      line 2\n      line 3',
      ].join('\n'),
    );
  });

  it("uses the SAM build image from the operator's prefix", async () => {
    const docker = await fakeDocker({ stdout: '{"python": "3.11.14", "ok": ["alpha", "beta", "beta_helpers"], "failed": {}}\n' });
    await build({ requirements: 'alpha\n' }, createContainerImportCheck({ engine: docker.engine, imagePrefix: 'registry.example.com/sam' }));
    expect(await docker.args()).toContain(`registry.example.com/sam/build-python3.11:latest-${native}`);
  });

  it('keeps the layer with a warning when no engine answers', async () => {
    const docker = await fakeDocker({ engine: false, stdout: '' });
    const { report } = await build({ requirements: 'alpha\n' }, createContainerImportCheck({ engine: docker.engine }));
    expect(report.warnings.find((w) => w.includes('was not import-checked'))).toMatch(
      new RegExp(`^combined-python3\\.11-${MACHINE[native]}\\.zip was not import-checked: no container engine answered .*Cannot connect to the Docker daemon`),
    );
  });

  it('keeps the layer with a warning when the image could not run, quoting docker', async () => {
    const docker = await fakeDocker({ stdout: 'Unable to find image locally\nError response from daemon: pull access denied\n', exitCode: 125 });
    const { report } = await build({ requirements: 'alpha\n' }, createContainerImportCheck({ engine: docker.engine }));
    expect(report.warnings.find((w) => w.includes('was not import-checked'))).toContain(
      `public.ecr.aws/lambda/python:3.11-${native} exited with 125 before reporting (Unable to find image locally | Error response from daemon: pull access denied)`,
    );
  });

  it('does not run the check for a foreign architecture and says why', async () => {
    const docker = await fakeDocker({ stdout: '' });
    const { request, requirements } = validateBuildRequest({ requirements: 'alpha\n', python_version: '3.11', strategy: 'wheels' });
    const check = createContainerImportCheck({ engine: docker.engine });
    const built = await buildLayer(
      { request, requirements, arch: foreign, outDir: await mkdtemp(join(scratch, 'out-')) },
      { index: { indexUrl: index.url, extraIndexUrls: [] }, importCheck: check },
    );
    expect(built.report.warnings.find((w) => w.includes('was not import-checked'))).toContain(`it needs a native ${foreign} host`);
    await expect(docker.args()).rejects.toThrow();
  });
});

const hostPython311 = createHostImportCheck({ pythonFor: () => 'python3' });
const hostIs311 = spawnSync('python3', ['-c', 'import sys; assert sys.version_info[:2] == (3, 11)']).status === 0;

describe.runIf(hostIs311)('import check with this machine\'s Python 3.11', () => {
  it('imports every top-level module of a good layer', async () => {
    const { report } = await build({ requirements: 'alpha\n' }, hostPython311);
    expect(report.warnings.filter((w) => w.includes('import'))).toEqual([]);
  });

  it('finds a dependency the layer lacks, even though nothing is installed to mask it', async () => {
    const message = await failure(build({ requirements: 'alpha\nneedsghost\n' }, hostPython311));
    expect(message).toContain('1 of 4 top-level modules failed in python3 on this machine (Python 3.11.');
    expect(message).toContain("  - needsghost: ModuleNotFoundError: No module named 'ghostdep'");
  });

  it('reports an exception raised on import, whatever the module printed', async () => {
    const message = await failure(build({ requirements: 'noisy\n' }, hostPython311));
    expect(message).toContain('  - noisy: RuntimeError: no config file\n      second line\n      third line');
    expect(message).not.toContain('fourth line');
  });

  it('only warns about modules that need the AWS SDK the request left to the runtime', async () => {
    const { report } = await build({ requirements: 'sdkuser\n', exclude_runtime_sdk: true }, hostPython311);
    expect(report.removed_packages).toEqual(['botocore']);
    expect(report.warnings).toContain(
      "sdkuser was not import-checked: it needs botocore from the runtime's AWS SDK, which python3 on this machine does not have",
    );
  });

  it('falls back to the next check when a Python of the target version is missing', async () => {
    const missing = createHostImportCheck({ pythonFor: () => join(scratch, 'no-such-python') });
    const { report: alone } = await build({ requirements: 'alpha\n' }, missing);
    expect(alone.warnings.find((w) => w.includes('was not import-checked'))).toContain(`${join(scratch, 'no-such-python')} (Python 3.11) is not installed here`);

    const { report } = await build({ requirements: 'alpha\n' }, firstAvailableImportCheck([missing, hostPython311]));
    expect(report.warnings.filter((w) => w.includes('import'))).toEqual([]);
  });
});
