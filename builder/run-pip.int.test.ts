import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { markerEnvironment } from '../core/marker-environment.js';
import { formatRequirement, parseRequirements } from '../core/requirements.js';
import { RUNTIMES, type Architecture, type PythonVersion } from '../core/runtime-catalog.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { writeWheel } from '../test/wheel-factory.js';
import { wheelsInstallArgs } from './pip-plan.js';
import { PipReportError, pipEnvironment, readPipReport, runPip } from './run-pip.js';
import { OUTPUT_CAP_BYTES } from './run-process.js';

let root: string;
let wheels: string;
let server: IndexServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'run-pip-'));
  wheels = join(root, 'wheels');
  await mkdir(wheels);
  // CASES 1 and 3: the newest release needs glibc 2.28.
  await writeWheel(wheels, { name: 'pkg', version: '1.0', python: 'cp311', abi: 'cp311', platforms: ['manylinux2014_x86_64'] });
  await writeWheel(wheels, { name: 'pkg', version: '2.0', python: 'cp311', abi: 'cp311', platforms: ['manylinux_2_28_x86_64'] });
  await writeWheel(wheels, { name: 'pkg', version: '1.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux2014_x86_64'] });
  await writeWheel(wheels, { name: 'pkg', version: '2.0', python: 'cp312', abi: 'cp312', platforms: ['manylinux_2_28_x86_64'] });
  // CASES 17: markers, top-level and transitive, judged for the target.
  await writeWheel(wheels, {
    name: 'app',
    version: '1.0',
    requires: ['tomli-like ; python_version < "3.11"', 'pywin-like ; sys_platform == "win32"', 'helper'],
    extras: { cli: ['clickish'] },
  });
  await writeWheel(wheels, { name: 'app', version: '2.0' });
  await writeWheel(wheels, { name: 'helper', version: '1.0', requires: ['exceptiongroup-like ; python_version < "3.11"'] });
  for (const name of ['tomli-like', 'pywin-like', 'exceptiongroup-like', 'typing-ext-like', 'arm-only', 'clickish']) {
    await writeWheel(wheels, { name, version: '1.0' });
  }
  server = await startIndexServer(wheels);
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

let buildCount = 0;

/** Runs the wheels strategy the way the builder does: parsed requirements, real pip, the shim. */
async function build(version: PythonVersion, arch: Architecture, requirementsText: string) {
  const dir = join(root, `build-${++buildCount}`);
  const targetDir = join(dir, 'site-packages');
  await mkdir(dir);
  const { requirements, issues } = parseRequirements(requirementsText);
  expect(issues).toEqual([]);
  const requirementsFile = join(dir, 'requirements.txt');
  await writeFile(requirementsFile, requirements.map(formatRequirement).join('\n') + '\n');
  const reportFile = join(dir, 'report.json');
  const runtime = RUNTIMES[version];
  const args = wheelsInstallArgs({ runtime, arch, targetDir, requirementsFile, reportFile, index: { indexUrl: server.url, extraIndexUrls: [] } });
  const run = await runPip({ args: ['install', ...args], markerEnvironment: markerEnvironment(runtime, arch), timeoutMs: 60_000 });
  return { run, targetDir, reportFile };
}

async function installed(targetDir: string): Promise<string[]> {
  return (await readdir(targetDir)).filter((entry) => entry.endsWith('.dist-info')).sort();
}

describe('runPip with the wheels plan (real pip, local index)', () => {
  it('installs pkg 1.0, not the manylinux_2_28 2.0, for python3.11 (CASES 1)', async () => {
    const { run, targetDir, reportFile } = await build('3.11', 'x86_64', 'pkg\n');
    expect(run.exitCode, run.output).toBe(0);
    const report = await readPipReport(reportFile);
    expect(report).toEqual([
      expect.objectContaining({ name: 'pkg', key: 'pkg', version: '1.0', requested: true, url: `${server.url.replace('/simple', '')}/files/pkg-1.0-cp311-cp311-manylinux2014_x86_64.whl` }),
    ]);
    const wheel = await readFile(join(wheels, 'pkg-1.0-cp311-cp311-manylinux2014_x86_64.whl'));
    expect(report[0]?.sha256).toBe(createHash('sha256').update(wheel).digest('hex'));
    expect(await installed(targetDir)).toEqual(['pkg-1.0.dist-info']);
    expect(await readFile(join(targetDir, 'pkg', '__init__.py'), 'utf8')).toContain('"1.0"');
  });

  it('installs pkg 2.0 (manylinux_2_28) for python3.12 on Amazon Linux 2023 (CASES 3)', async () => {
    const { run, targetDir, reportFile } = await build('3.12', 'x86_64', 'pkg==2.0\n');
    expect(run.exitCode, run.output).toBe(0);
    expect((await readPipReport(reportFile)).map((item) => `${item.name}==${item.version}`)).toEqual(['pkg==2.0']);
    expect(await installed(targetDir)).toEqual(['pkg-2.0.dist-info']);
  });

  const markerRequirements = [
    '# comments and blank lines are fine',
    '',
    'app[cli]>=1,<2',
    'typing-ext-like ; python_version < "3.12"',
    'arm-only ; platform_machine == "aarch64"',
  ].join('\n');

  it('judges markers for a python3.10 target on this 3.11 host: tomli-like and friends are installed (CASES 17)', async () => {
    const { run, targetDir, reportFile } = await build('3.10', 'x86_64', markerRequirements);
    expect(run.exitCode, run.output).toBe(0);
    expect(await installed(targetDir)).toEqual([
      'app-1.0.dist-info',
      'clickish-1.0.dist-info',
      'exceptiongroup_like-1.0.dist-info',
      'helper-1.0.dist-info',
      'tomli_like-1.0.dist-info',
      'typing_ext_like-1.0.dist-info',
    ]);
    const report = await readPipReport(reportFile);
    expect(report.filter((item) => item.requested).map((item) => item.key).sort()).toEqual(['app', 'typing-ext-like']);
    expect(report.find((item) => item.key === 'app')?.requestedExtras).toEqual(['cli']);
  });

  it('judges markers for a python3.12 target: no python_version < "3.11"/"3.12" packages, no win32 or aarch64 ones', async () => {
    const { run, targetDir } = await build('3.12', 'x86_64', markerRequirements);
    expect(run.exitCode, run.output).toBe(0);
    expect(await installed(targetDir)).toEqual(['app-1.0.dist-info', 'clickish-1.0.dist-info', 'helper-1.0.dist-info']);
  });

  it('installs a requirement whose --hash matches the file', async () => {
    const wheel = await readFile(join(wheels, 'pkg-1.0-cp311-cp311-manylinux2014_x86_64.whl'));
    const hash = createHash('sha256').update(wheel).digest('hex');
    const { run, targetDir } = await build('3.11', 'x86_64', `pkg==1.0 --hash=sha256:${hash}\n`);
    expect(run.exitCode, run.output).toBe(0);
    expect(await installed(targetDir)).toEqual(['pkg-1.0.dist-info']);
  });

  describe('with bogus pip settings in the parent environment', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    it('ignores them and uses only the given index', async () => {
      const bogus = join(root, 'bogus-find-links');
      await mkdir(bogus, { recursive: true });
      // If PIP_FIND_LINKS leaked, pip would take this newer fitting release.
      await writeWheel(bogus, { name: 'pkg', version: '1.5', python: 'cp311', abi: 'cp311', platforms: ['manylinux2014_x86_64'] });
      Object.assign(process.env, {
        PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
        PIP_EXTRA_INDEX_URL: 'http://127.0.0.1:9/extra',
        PIP_FIND_LINKS: bogus,
        PIP_NO_INDEX: '1',
        PIP_REQUIRE_VIRTUALENV: '1',
        PIP_CONFIG_FILE: join(bogus, 'missing-pip.conf'),
      });
      expect(Object.keys(pipEnvironment('/home')).filter((key) => key.startsWith('PIP_'))).toEqual(['PIP_CONFIG_FILE']);

      const before = server.requests.length;
      const { run, targetDir } = await build('3.11', 'x86_64', 'pkg\n');
      expect(run.exitCode, run.output).toBe(0);
      expect(await installed(targetDir)).toEqual(['pkg-1.0.dist-info']);
      expect(server.requests.slice(before)).toContain('/simple/pkg/');
      expect(run.output).not.toContain('127.0.0.1:9');
      expect(run.output).not.toContain(bogus);
    });
  });
});

describe('runPip process handling', () => {
  async function fakeShim(body: string): Promise<string> {
    const shim = join(root, `shim-${++buildCount}.py`);
    await writeFile(shim, body);
    return shim;
  }

  it('stops pip and everything it started at the time limit and says so', async () => {
    const pidFile = join(root, 'grandchild.pid');
    const shim = await fakeShim(
      [
        'import subprocess, sys, time',
        'child = subprocess.Popen(["sleep", "60"])',
        `open(${JSON.stringify(pidFile)}, "w").write(str(child.pid))`,
        'print("working", flush=True)',
        'time.sleep(60)',
      ].join('\n'),
    );
    const lines: string[] = [];
    const run = await runPip({ args: [], markerEnvironment: {}, timeoutMs: 1000, shim, onOutput: (line) => lines.push(line) });
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeNull();
    expect(lines[0]).toBe('working');
    expect(run.output).toContain('[pip was stopped after 1000 ms]');
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    // A killed orphan may linger as a zombie until init reaps it: that counts as gone.
    const state = async () => {
      const stat = await readFile(`/proc/${grandchild}/stat`, 'utf8').catch(() => undefined);
      return stat === undefined || /^\d+ \(.*\) Z/.test(stat) ? 'gone' : 'alive';
    };
    await expect.poll(state, { timeout: 10_000 }).toBe('gone');
  });

  it('hands pip the target marker environment and each argument as one argv element', async () => {
    const shim = await fakeShim('import json, sys\nprint(json.dumps({"env": json.loads(sys.argv[1]), "args": sys.argv[2:]}))\n');
    const args = ['install', '$(touch /tmp/pwned)', 'a b; echo hi'];
    const run = await runPip({ args, markerEnvironment: markerEnvironment(RUNTIMES['3.13'], 'arm64'), timeoutMs: 30_000, shim });
    const echoed = JSON.parse(run.output) as { env: Record<string, string>; args: string[] };
    expect(echoed.args).toEqual(args);
    expect(echoed.env).toMatchObject({ python_version: '3.13', platform_machine: 'aarch64', sys_platform: 'linux' });
  });

  it('keeps only the last 2 MB of very long output', async () => {
    const shim = await fakeShim('for i in range(40000): print("x" * 99)\nprint("last line")\n');
    const run = await runPip({ args: [], markerEnvironment: {}, timeoutMs: 30_000, shim });
    expect(run.exitCode).toBe(0);
    expect(Buffer.byteLength(run.output)).toBeLessThanOrEqual(OUTPUT_CAP_BYTES + 100);
    expect(run.output).toMatch(/^\[\d+ earlier lines of output dropped\]\nx{99}\n/);
    expect(run.output.endsWith('x'.repeat(99) + '\nlast line')).toBe(true);
  });
});

describe('readPipReport', () => {
  it('refuses a report without an install list', async () => {
    const file = join(root, 'bad-report.json');
    await writeFile(file, JSON.stringify({ version: '1' }));
    await expect(readPipReport(file)).rejects.toBeInstanceOf(PipReportError);
  });
});
