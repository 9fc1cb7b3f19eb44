import { describe, expect, it } from 'vitest';
import { RUNTIMES, allowedPlatformTags } from '../core/runtime-catalog.js';
import { DEFAULT_INDEX, wheelsInstallArgs, type IndexOptions } from './pip-plan.js';

const operatorIndex: IndexOptions = { indexUrl: 'https://mirror.example/simple', extraIndexUrls: ['https://extra.example/simple'] };

function plan(version: '3.11' | '3.12', arch: 'x86_64' | 'arm64', index = operatorIndex) {
  return wheelsInstallArgs({
    runtime: RUNTIMES[version],
    arch,
    targetDir: '/tmp/build dir; rm -rf ~/site-packages',
    requirementsFile: '/tmp/build dir/requirements.txt',
    reportFile: '/tmp/build dir/report.json',
    index,
  });
}

function valuesOf(args: string[], option: string): string[] {
  return args.flatMap((arg, i) => (arg === option ? [args[i + 1]!] : []));
}

describe('wheelsInstallArgs', () => {
  it('passes every allowed platform tag of python3.11 x86_64, newest glibc first, and no newer one', () => {
    const args = plan('3.11', 'x86_64');
    const platforms = valuesOf(args, '--platform');
    expect(platforms).toEqual(allowedPlatformTags(RUNTIMES['3.11'], 'x86_64'));
    expect(platforms[0]).toBe('manylinux_2_26_x86_64');
    expect(platforms).toContain('manylinux2014_x86_64');
    expect(platforms).toContain('manylinux_2_17_x86_64');
    expect(platforms).toContain('manylinux1_x86_64');
    expect(platforms).not.toContain('manylinux_2_28_x86_64');
  });

  it('passes aarch64 tags up to glibc 2.34 for python3.12 arm64 and nothing for x86_64', () => {
    const platforms = valuesOf(plan('3.12', 'arm64'), '--platform');
    expect(platforms).toEqual(allowedPlatformTags(RUNTIMES['3.12'], 'arm64'));
    expect(platforms[0]).toBe('manylinux_2_34_aarch64');
    expect(platforms.every((tag) => tag.endsWith('_aarch64'))).toBe(true);
  });

  it('names the target interpreter and ABIs, binary wheels only, isolated from host config', () => {
    const args = plan('3.12', 'x86_64');
    expect(args.slice(0, 3)).toEqual(['--isolated', '--disable-pip-version-check', '--no-input']);
    expect(args).toContain('--only-binary=:all:');
    expect(args).toContain('--no-compile');
    expect(valuesOf(args, '--implementation')).toEqual(['cp']);
    expect(valuesOf(args, '--python-version')).toEqual(['3.12']);
    expect(valuesOf(args, '--abi')).toEqual(['cp312', 'abi3', 'none']);
  });

  it('uses the operator index only: no find-links, no trusted hosts, no other index', () => {
    const args = plan('3.11', 'x86_64');
    expect(valuesOf(args, '--index-url')).toEqual(['https://mirror.example/simple']);
    expect(valuesOf(args, '--extra-index-url')).toEqual(['https://extra.example/simple']);
    expect(args.filter((arg) => /find-links|trusted-host|no-index|^-f$|^-i$/.test(arg))).toEqual([]);
    expect(valuesOf(plan('3.11', 'x86_64', DEFAULT_INDEX), '--index-url')).toEqual(['https://pypi.org/simple']);
    expect(valuesOf(plan('3.11', 'x86_64', DEFAULT_INDEX), '--extra-index-url')).toEqual([]);
  });

  it('keeps each path one argv element, however it is spelled (no shell)', () => {
    const args = plan('3.11', 'x86_64');
    expect(valuesOf(args, '--target')).toEqual(['/tmp/build dir; rm -rf ~/site-packages']);
    expect(valuesOf(args, '--report')).toEqual(['/tmp/build dir/report.json']);
    expect(args.slice(-2)).toEqual(['-r', '/tmp/build dir/requirements.txt']);
    expect(args.every((arg) => typeof arg === 'string')).toBe(true);
  });
});
