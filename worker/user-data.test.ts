import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

const STAND_INS = ['curl', 'dnf', 'systemctl', 'aws', 'node', 'shutdown', 'mkdir', 'docker'] as const;
type StandIn = (typeof STAND_INS)[number];

/**
 * Runs the rendered script with bash in a sandbox: every command it calls that would
 * touch the machine is a stand-in first on PATH that appends its name and arguments to a
 * calls file (node also the environment the agent reads), then exits with the status
 * asked of it. curl answers like IMDSv2 unless told to fail.
 */
async function runSandboxed(failing: Partial<Record<StandIn, number>> = {}, userData = file) {
  const sandbox = await mkdtemp(join(dir, 'sandbox-'));
  const bin = join(sandbox, 'bin');
  const calls = join(sandbox, 'calls');
  await mkdir(bin);
  for (const command of STAND_INS) {
    const extra =
      command === 'node'
        ? ' BUILD_ID=$BUILD_ID ARCH=$ARCH TABLE_NAME=$TABLE_NAME BUCKET_NAME=$BUCKET_NAME AWS_REGION=$AWS_REGION MAX_BUILD_MINUTES=$MAX_BUILD_MINUTES INDEX_URL=$INDEX_URL EXTRA_INDEX_URLS=$EXTRA_INDEX_URLS BUILDER_IMAGE_PREFIX=$BUILDER_IMAGE_PREFIX PYTHON=$PYTHON INSTANCE_ID=$INSTANCE_ID'
        : '';
    const answer =
      command === 'curl' && failing.curl === undefined
        ? 'case "$*" in *api/token*) echo imds-token-1 ;; *instance-id*) echo i-0123456789abcdef0 ;; esac\n'
        : '';
    await writeFile(join(bin, command), `#!/bin/sh\necho "${command} $*${extra}" >> '${calls}'\n${answer}exit ${failing[command] ?? 0}\n`);
    await chmod(join(bin, command), 0o755);
  }
  const result = spawnSync('bash', [userData], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  const recorded = (await readFile(calls, 'utf8').catch(() => '')).trim().split('\n');
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: recorded };
}

const WATCHDOG = 'shutdown -h +30';
const POWER_OFF = 'shutdown -h now';
const INSTALL = 'dnf install -y -q --setopt=install_weak_deps=False nodejs22 docker python3.12 python3.12-pip';
const AGENT =
  'node /opt/layer-builder/agent.mjs BUILD_ID=6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11 ARCH=arm64 TABLE_NAME=layer-builds BUCKET_NAME=layer-artifacts-prod AWS_REGION=eu-west-1 MAX_BUILD_MINUTES=30 INDEX_URL=https://pypi.org/simple EXTRA_INDEX_URLS= BUILDER_IMAGE_PREFIX= PYTHON=python3.12';

describe('builder bootstrap, run in a sandbox', () => {
  it('arms the watchdog first, installs, starts docker, fetches and runs the agent, then powers off', async () => {
    const run = await runSandboxed();
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      WATCHDOG,
      "curl -sS --max-time 5 --retry 3 -X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http://169.254.169.254/latest/api/token",
      'curl -sS --max-time 5 --retry 3 -H X-aws-ec2-metadata-token: imds-token-1 http://169.254.169.254/latest/meta-data/instance-id',
      INSTALL,
      'systemctl start docker',
      'mkdir -p /opt/layer-builder',
      'aws s3 cp --only-show-errors s3://layer-artifacts-prod/agent/agent-1.2.3.mjs /opt/layer-builder/agent.mjs',
      `${AGENT} INSTANCE_ID=i-0123456789abcdef0`,
      POWER_OFF,
    ]);
    expect(run.stdout).toContain('layer builder for build 6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11 (arm64) on i-0123456789abcdef0');
  });

  it('arms the watchdog before any install or download', async () => {
    const { calls } = await runSandboxed();
    const watchdog = calls.indexOf(WATCHDOG);
    expect(watchdog).toBe(0);
    for (const step of ['dnf', 'systemctl', 'aws', 'node']) {
      expect(calls.findIndex((call) => call.startsWith(`${step} `))).toBeGreaterThan(watchdog);
    }
  });

  it('powers off when the agent fails', async () => {
    const run = await runSandboxed({ node: 1 });
    expect(run.status).not.toBe(0);
    expect(run.calls.slice(-2)).toEqual([`${AGENT} INSTANCE_ID=i-0123456789abcdef0`, POWER_OFF]);
  });

  it('powers off when the install fails, without starting docker or the agent', async () => {
    const run = await runSandboxed({ dnf: 1 });
    expect(run.status).not.toBe(0);
    expect(run.calls[0]).toBe(WATCHDOG);
    expect(run.calls.slice(-2)).toEqual([INSTALL, POWER_OFF]);
    expect(run.calls.some((call) => /^(systemctl|aws|node) /.test(call))).toBe(false);
  });

  it('powers off when docker does not start or the agent cannot be fetched', async () => {
    expect((await runSandboxed({ systemctl: 1 })).calls.slice(-2)).toEqual(['systemctl start docker', POWER_OFF]);
    const fetch = await runSandboxed({ aws: 1 });
    expect(fetch.calls.at(-1)).toBe(POWER_OFF);
    expect(fetch.calls.some((call) => call.startsWith('node '))).toBe(false);
  });

  it('still builds when the instance metadata service does not answer', async () => {
    const run = await runSandboxed({ curl: 7 });
    expect(run.status).toBe(0);
    expect(run.calls).toContain(`${AGENT} INSTANCE_ID=`);
    expect(run.calls.at(-1)).toBe(POWER_OFF);
  });

  it("logs Docker in to the operator's private ECR registry before the agent pulls from it", async () => {
    const ecrFile = join(dir, 'user-data-ecr.sh');
    await writeFile(ecrFile, renderUserData({ ...settings, builderImagePrefix: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/sam-mirror' }));
    const run = await runSandboxed({}, ecrFile);
    expect(run.status).toBe(0);
    // The two ends of the pipe run at once: both come after Docker starts and before the agent.
    const started = run.calls.indexOf('systemctl start docker');
    const agent = run.calls.findIndex((call) => call.startsWith('node '));
    expect(run.calls.slice(started + 1, started + 3).sort()).toEqual([
      'aws ecr get-login-password --region eu-central-1',
      'docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-central-1.amazonaws.com',
    ]);
    expect(agent).toBeGreaterThan(started + 2);
    expect(run.calls.at(-1)).toBe(POWER_OFF);
    expect(script).not.toContain('docker login');
  });

  it("passes the operator's indexes and image prefix to the agent", async () => {
    const custom = renderUserData({
      ...settings,
      indexUrl: 'https://pypi.internal.example.com/simple',
      extraIndexUrls: ['https://a.example.com/simple', 'http://10.0.0.5:8080/simple/'],
      builderImagePrefix: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam',
    });
    expect(custom).toContain("export INDEX_URL='https://pypi.internal.example.com/simple'\n");
    expect(custom).toContain("export EXTRA_INDEX_URLS='https://a.example.com/simple,http://10.0.0.5:8080/simple/'\n");
    expect(custom).toContain("export BUILDER_IMAGE_PREFIX='123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam'\n");
  });
});

describe('builder user data', () => {
  it('is a strict bash script whose first acts are the power-off trap and the watchdog', () => {
    const lines = script.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(lines.slice(0, 4)).toEqual(['set -euo pipefail', 'export HOME="${HOME:-/root}"', "trap 'shutdown -h now' EXIT", 'shutdown -h +30']);
  });

  it('carries no request text: settings it does not know are refused', () => {
    const withRequest = { ...settings, requirements: 'requests==2.32.3' } as UserDataSettings;
    expect(() => renderUserData(withRequest)).toThrow(/refusing to render builder user data/);
    expect(script).not.toMatch(/requirements|requests/);
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
    ['indexUrl', 'https://user:secret@pypi.example.com/simple'],
    ['indexUrl', "https://pypi.example.com/simple'$(id)"],
    ['indexUrl', 'file:///opt/pypi/simple'],
    ['extraIndexUrls', ['https://a.example.com/simple,https://b.example.com']],
    ['builderImagePrefix', 'Registry/With Spaces'],
    ['builderImagePrefix', 'registry.example.com/sam;reboot'],
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

  it('passes shellcheck, with and without an ECR login (scripts/ensure-test-tools.sh installs it)', async () => {
    const withLogin = join(dir, 'user-data-shellcheck-ecr.sh');
    await writeFile(withLogin, renderUserData({ ...settings, builderImagePrefix: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam', extraIndexUrls: ['https://a.example.com/simple'] }));
    for (const path of [file, withLogin]) {
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', path], { encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    }
  });
});
