import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { listZip } from '../test/layer-zip.js';
import { startLocalServer, type LocalServer } from '../test/local-server.js';
import { tsxArgv } from '../test/run-tsx.js';
import { writeWheel } from '../test/wheel-factory.js';

let dir: string;
let index: IndexServer;

/** Runs the CLI without blocking this process, which also serves the test index. */
function layer(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, argv] = tsxArgv('scripts/layer.ts', args);
  return new Promise((resolve) => {
    execFile(command, argv, { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
  const wheels = join(dir, 'wheels');
  await mkdir(wheels);
  await writeWheel(wheels, { name: 'greeting', version: '2.0', requires: ['helper>=1'] });
  await writeWheel(wheels, { name: 'helper', version: '1.1' });
  await writeWheel(wheels, { name: 'glibcpkg', version: '1.0', python: 'cp311', abi: 'cp311', platforms: ['manylinux2014_x86_64'] });
  await writeWheel(wheels, { name: 'glibcpkg', version: '2.0', python: 'cp311', abi: 'cp311', platforms: ['manylinux_2_28_x86_64'] });
  index = await startIndexServer(wheels);
});

afterAll(async () => {
  await index?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run layer -- build, on this machine', () => {
  it('builds from -r into --out and prints the summary table', async () => {
    await writeFile(join(dir, 'requirements.txt'), '# app\ngreeting\n');
    const { code, stdout, stderr } = await layer(['build', '-r', 'requirements.txt', '--python', '3.12', '--arch', 'x86_64', '--out', 'out', '--index-url', index.url]);
    expect(stderr).toContain('[x86_64] pip install');
    expect(code).toBe(0);
    expect(stdout).toContain('Build COMPLETED');
    expect(stdout).toMatch(/out\/combined-python3\.12-x86_64\.zip\s+\d/);
    expect(stdout).toMatch(/greeting\s+2\.0/);
    expect(listZip(join(dir, 'out/combined-python3.12-x86_64.zip')).length).toBeGreaterThan(3);
  });

  it('picks the newest version whose wheel fits python3.11 and prints JSON (CASES 1)', async () => {
    const { code, stdout } = await layer(['build', '--package', 'glibcpkg', '--python', '3.11', '--out', 'out311', '--index-url', index.url, '--json', '-q']);
    expect(code).toBe(0);
    const outcome = JSON.parse(stdout) as { status: string; report: { x86_64: { packages: Array<{ name: string; version: string }> } } };
    expect(outcome.status).toBe('COMPLETED');
    expect(outcome.report.x86_64.packages).toEqual([expect.objectContaining({ name: 'glibcpkg', version: '1.0' })]);
  });

  it('exits 1 naming the package, the runtime and a fix when a pin cannot fit (CASES 2)', async () => {
    const { code, stdout } = await layer(['build', '--package', 'glibcpkg==2.0', '--python', '3.11', '--out', 'out-fail', '--index-url', index.url, '-q']);
    expect(code).toBe(1);
    expect(stdout).toContain('FAILED');
    expect(stdout).toContain('glibcpkg==2.0');
    expect(stdout).toContain('glibc 2.26');
    expect(existsSync(join(dir, 'out-fail/combined-python3.11-x86_64.zip'))).toBe(false);
  });

  it('exits 2 with file:line for a refused requirement', async () => {
    await writeFile(join(dir, 'bad.txt'), 'greeting\n\n-e ./mine\n');
    const { code, stderr } = await layer(['build', '-r', 'bad.txt', '--index-url', index.url]);
    expect(code).toBe(2);
    expect(stderr).toContain('bad.txt:3:');
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
    const json = await layer(['build', '-r', 'bad.txt', '--index-url', index.url, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ERROR', details: [{ line: 3 }] });
  });

  it('exits 2 with the supported list for an unknown python, and with usage for no input', async () => {
    const bad = await layer(['build', '--package', 'helper', '--python', '3.9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('3.10, 3.11, 3.12, 3.13, 3.14');
    const none = await layer(['build']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('-r FILE or --package SPEC');
  });

  it('prints help', async () => {
    const { code, stdout } = await layer(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--index-url URL');
  });
});

describe('npm run layer -- build --api, against npm start', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ LAYER_INDEX_URL: index.url, LAYER_DATA_DIR: join(dir, 'server-data') });
  });
  afterAll(() => server?.stop());

  it('submits, follows the log, downloads and checks the zips', async () => {
    const { code, stdout, stderr } = await layer(['build', '--package', 'greeting', '--python', '3.13', '--api', server.url, '--out', 'remote']);
    expect(code).toBe(0);
    expect(stderr).toContain('Successfully installed');
    expect(stdout).toMatch(/Build [0-9a-f-]{36} COMPLETED/);
    expect(listZip(join(dir, 'remote/combined-python3.13-x86_64.zip')).some((e) => e.name.endsWith('greeting/__init__.py'))).toBe(true);
  });

  it('shows the service\'s line details and exits 2', async () => {
    const { code, stderr } = await layer(['build', '--package', 'git+https://example.com/x.git', '--api', server.url]);
    expect(code).toBe(2);
    expect(stderr).toContain('--package:1:');
  });

  it('says clearly when the service cannot be reached', async () => {
    const { code, stderr } = await layer(['build', '--package', 'helper', '--api', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: /);
    expect(stderr).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});
