import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUserData, type UserDataSettings } from './user-data.js';

const settings: UserDataSettings = {
  buildId: '6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11',
  arch: 'arm64',
  region: 'eu-west-1',
  tableName: 'layer-builds',
  bucket: 'layer-artifacts-prod',
  agentKey: 'agent/agent-1.2.3.mjs',
  maxBuildMinutes: 30,
  project: 'layer-builder',
};

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('builder user data', () => {
  let dir: string;
  let script: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-data-'));
    script = renderUserData(settings);
    file = join(dir, 'user-data.sh');
    await writeFile(file, script);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts as a strict bash script that halts the instance whenever it exits', () => {
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('set -euo pipefail');
    expect(lines).toContain("trap 'shutdown -h now' EXIT");
    expect(lines.indexOf("trap 'shutdown -h now' EXIT")).toBeLessThan(lines.findIndex((line) => line.startsWith('export ')));
    expect(lines).toContain('shutdown -h +40');
  });

  it('exports the identifiers and settings, single-quoted', () => {
    expect(script).toContain(`export LAYER_BUILD_ID='${settings.buildId}'\n`);
    expect(script).toContain("export LAYER_ARCHITECTURE='arm64'\n");
    expect(script).toContain("export AWS_REGION='eu-west-1'\n");
    expect(script).toContain("export LAYER_TABLE_NAME='layer-builds'\n");
    expect(script).toContain("export LAYER_BUCKET_NAME='layer-artifacts-prod'\n");
    expect(script).toContain("export LAYER_AGENT_KEY='agent/agent-1.2.3.mjs'\n");
    expect(script).toContain("export LAYER_MAX_BUILD_MINUTES='30'\n");
    expect(script).toContain("export LAYER_PROJECT='layer-builder'\n");
  });

  it('runs as bash: fetches the agent from S3, runs it, then halts', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // Stand-ins that print how they were called, so the script runs here unchanged.
    for (const command of ['shutdown', 'mkdir', 'aws', 'node']) {
      await writeFile(join(bin, command), '#!/bin/sh\necho "$(basename "$0") $*"\n', { mode: 0o755 });
    }
    const output = execFileSync('bash', [file], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(output.trim().split('\n')).toEqual([
      'shutdown -h +40',
      'mkdir -p /opt/layer-builder',
      'aws s3 cp --only-show-errors s3://layer-artifacts-prod/agent/agent-1.2.3.mjs /opt/layer-builder/agent.mjs',
      'node /opt/layer-builder/agent.mjs',
      'shutdown -h now',
    ]);
  });

  it('halts the instance when a step fails', async () => {
    const bin = join(dir, 'failing-bin');
    await mkdir(bin);
    for (const command of ['shutdown', 'mkdir', 'node']) {
      await writeFile(join(bin, command), '#!/bin/sh\necho "$(basename "$0") $*"\n', { mode: 0o755 });
    }
    await writeFile(join(bin, 'aws'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const result = spawnSync('bash', [file], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['shutdown -h +40', 'mkdir -p /opt/layer-builder', 'shutdown -h now']);
  });

  it('carries no request text: settings it does not know are refused', () => {
    const withRequest = { ...settings, requirements: 'requests==2.32.3' } as UserDataSettings;
    expect(() => renderUserData(withRequest)).toThrow(/refusing to render builder user data/);
    expect(script).not.toMatch(/requirements|requests==/);
  });

  it.each([
    ['buildId', "abc'; rm -rf / #"],
    ['buildId', 'abc$(reboot)'],
    ['buildId', 'abc`reboot`'],
    ['buildId', 'abc\nreboot'],
    ['buildId', 'abc def'],
    ['buildId', 'x'.repeat(65)],
    ['tableName', 'builds"; reboot; "'],
    ['bucket', 'bucket$(id)'],
    ['agentKey', 'agent/`id`.mjs'],
    ['agentKey', 'agent\n.mjs'],
    ['project', 'layer builder'],
    ['region', 'eu-west-1; reboot'],
    ['region', 'EU-WEST-1'],
    ['arch', 'i386'],
    ['maxBuildMinutes', 2.5],
    ['maxBuildMinutes', 0],
  ])('refuses %s = %j and names the setting', (key, value) => {
    expect(() => renderUserData({ ...settings, [key]: value } as UserDataSettings)).toThrow(
      new RegExp(`refusing to render builder user data: bad ${key}`),
    );
  });

  it('accepts a GovCloud region and x86_64', () => {
    expect(renderUserData({ ...settings, region: 'us-gov-west-1', arch: 'x86_64' })).toContain("export AWS_REGION='us-gov-west-1'\n");
  });

  it('passes bash -n', () => {
    expect(spawnSync('bash', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
  });

  it.runIf(hasShellcheck)('passes shellcheck', () => {
    const result = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
