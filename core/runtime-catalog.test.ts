import { describe, expect, it } from 'vitest';
import { allowedPlatformTags, deprecationStage, RUNTIMES } from './runtime-catalog.js';

describe('runtime catalog', () => {
  it('caps python3.10/3.11 at glibc 2.26 (Amazon Linux 2) and lists every older tag', () => {
    const tags = allowedPlatformTags(RUNTIMES['3.11'], 'x86_64');
    expect(tags[0]).toBe('manylinux_2_26_x86_64');
    expect(tags).toContain('manylinux_2_17_x86_64');
    expect(tags).toContain('manylinux2014_x86_64');
    expect(tags).toContain('manylinux1_x86_64');
    expect(tags).not.toContain('manylinux_2_27_x86_64');
    expect(tags).not.toContain('manylinux_2_28_x86_64');
  });

  it('allows up to glibc 2.34 on python3.12+ (Amazon Linux 2023), per machine', () => {
    const tags = allowedPlatformTags(RUNTIMES['3.13'], 'arm64');
    expect(tags[0]).toBe('manylinux_2_34_aarch64');
    expect(tags).toContain('manylinux_2_28_aarch64');
    expect(tags).toContain('manylinux2014_aarch64');
    expect(tags).not.toContain('manylinux_2_35_aarch64');
    expect(tags.every((tag) => tag.endsWith('_aarch64'))).toBe(true);
  });

  it('gives ABI and OS per runtime', () => {
    expect(RUNTIMES['3.14']).toMatchObject({ abi: 'cp314', os: 'Amazon Linux 2023', runtime: 'python3.14' });
    expect(RUNTIMES['3.10']).toMatchObject({ abi: 'cp310', os: 'Amazon Linux 2', glibc: [2, 26] });
  });

  it('knows python3.10 is past deprecation in December 2026', () => {
    expect(deprecationStage(RUNTIMES['3.10'], '2026-12-03')).toBe('create_blocked');
    expect(deprecationStage(RUNTIMES['3.13'], '2026-12-03')).toBe('supported');
  });
});
