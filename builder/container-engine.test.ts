import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from './container-engine.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-stand-in-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function standIn(name: string, script: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('docker engine', () => {
  it('says no engine answered when only the client is there', async () => {
    const docker = await standIn('client-only', 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1');
    expect(await createDockerEngine({ docker }).checkEngine()).toBe(
      'no container engine answered (`' + docker + ' version`: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.)',
    );
  });

  it('says so when docker is not installed', async () => {
    const reason = await createDockerEngine({ docker: join(dir, 'missing-docker') }).checkEngine();
    expect(reason).toContain('ENOENT');
  });

  it('is available when the server answers its version', async () => {
    const docker = await standIn('engine', 'echo 28.2.2');
    expect(await createDockerEngine({ docker }).checkEngine()).toBeUndefined();
  });

  it('passes the argv through untouched, without a shell', async () => {
    const record = join(dir, 'args');
    const docker = await standIn('recorder', `for a in "$@"; do printf '%s\\n' "$a" >> ${record}; done`);
    const args = ['run', '--rm', 'image', 'pip', 'install', 'x; rm -rf /', '$(id)'];
    const result = await createDockerEngine({ docker }).run(args, { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect((await readFile(record, 'utf8')).trim().split('\n')).toEqual(args);
  });
});
