import { describe, expect, it } from 'vitest';
import { RUNTIMES } from '../core/runtime-catalog.js';
import { importCheckArgs, importCheckImage } from './import-check-plan.js';

describe('import check container plan', () => {
  it("uses Lambda's base image of the runtime for the architecture", () => {
    expect(importCheckImage(RUNTIMES['3.13'], 'x86_64')).toBe('public.ecr.aws/lambda/python:3.13-x86_64');
    expect(importCheckImage(RUNTIMES['3.11'], 'arm64')).toBe('public.ecr.aws/lambda/python:3.11-arm64');
  });

  it("uses the SAM build image from the operator's registry when a prefix is set", () => {
    expect(importCheckImage(RUNTIMES['3.12'], 'arm64', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/')).toBe(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/build-python3.12:latest-arm64',
    );
  });

  it('mounts the layer read-only at /opt, without network, and runs the runtime python on the site dir', () => {
    const args = importCheckArgs({
      runtime: RUNTIMES['3.12'],
      arch: 'arm64',
      layerDir: '/work/layer',
      scriptDir: '/work/script',
      prefix: 'python/lib/python3.12/site-packages/',
      user: { uid: 1000, gid: 1000 },
    });
    expect(args).toEqual([
      'run', '--rm',
      '--platform', 'linux/arm64',
      '--network', 'none',
      '--read-only',
      '--tmpfs', '/tmp',
      '--env', 'HOME=/tmp',
      '--env', 'PYTHONDONTWRITEBYTECODE=1',
      '--volume', '/work/layer:/opt:ro',
      '--volume', '/work/script:/check:ro',
      '--user', '1000:1000',
      '--entrypoint', 'python3.12',
      'public.ecr.aws/lambda/python:3.12-arm64',
      '-I', '-B', '/check/import-check.py',
      '/opt/python/lib/python3.12/site-packages',
      '/var/runtime',
    ]);
  });

  it('checks /opt/python for the python/ layout on x86_64', () => {
    const args = importCheckArgs({ runtime: RUNTIMES['3.10'], arch: 'x86_64', layerDir: '/l', scriptDir: '/s', prefix: 'python/' });
    expect(args.slice(args.indexOf('--platform'), args.indexOf('--platform') + 2)).toEqual(['--platform', 'linux/amd64']);
    expect(args.slice(-5)).toEqual(['-I', '-B', '/check/import-check.py', '/opt/python', '/var/runtime']);
    expect(args).not.toContain('--user');
  });
});
