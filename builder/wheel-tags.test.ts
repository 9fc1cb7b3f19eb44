import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, PYTHON_VERSIONS, RUNTIMES, allowedPlatformTags } from '../core/runtime-catalog.js';
import { explainPlatform, parseDistributionFilename, supportedTags, wheelFitsTarget } from './wheel-tags.js';

const py311 = { runtime: RUNTIMES['3.11'], arch: 'x86_64' } as const;
const py312 = { runtime: RUNTIMES['3.12'], arch: 'x86_64' } as const;

function tagsOf(filename: string) {
  const parsed = parseDistributionFilename(filename);
  if (!parsed?.tags) throw new Error(`${filename} is not a wheel`);
  return parsed.tags;
}

describe('parseDistributionFilename', () => {
  it('expands a compressed platform tag set into one tag per platform', () => {
    expect(parseDistributionFilename('numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toEqual({
      name: 'numpy',
      version: '2.1.0',
      kind: 'wheel',
      tags: [
        { python: 'cp311', abi: 'cp311', platform: 'manylinux_2_17_x86_64' },
        { python: 'cp311', abi: 'cp311', platform: 'manylinux2014_x86_64' },
      ],
    });
  });

  it('expands py2.py3 and skips the optional build tag', () => {
    expect(parseDistributionFilename('six-1.16.0-1-py2.py3-none-any.whl')?.tags).toEqual([
      { python: 'py2', abi: 'none', platform: 'any' },
      { python: 'py3', abi: 'none', platform: 'any' },
    ]);
  });

  it('reads sdists, splitting a hyphenated legacy name by the project when given', () => {
    expect(parseDistributionFilename('pkg-1.0.tar.gz')).toEqual({ name: 'pkg', version: '1.0', kind: 'sdist' });
    expect(parseDistributionFilename('zope.interface-6.0.zip')).toMatchObject({ name: 'zope.interface', version: '6.0' });
    expect(parseDistributionFilename('foo-bar-2-1.0.tar.gz', 'foo-bar-2')).toMatchObject({ name: 'foo-bar-2', version: '1.0' });
  });

  it('answers undefined for files that are neither wheels nor sdists', () => {
    expect(parseDistributionFilename('pkg-1.0-py3.11.egg')).toBeUndefined();
    expect(parseDistributionFilename('index.html')).toBeUndefined();
    expect(parseDistributionFilename('broken-py3-none-any.whl')).toBeUndefined();
  });
});

describe('wheelFitsTarget', () => {
  it('takes manylinux2014 but refuses manylinux_2_28 on python3.11 (Amazon Linux 2, glibc 2.26)', () => {
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp311-cp311-manylinux2014_x86_64.whl'), py311)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-2.0-cp311-cp311-manylinux_2_28_x86_64.whl'), py311)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-2.0-cp311-cp311-manylinux_2_26_x86_64.whl'), py311)).toBe(true);
  });

  it('takes manylinux_2_28 and 2_34 on python3.12 but not manylinux_2_35 on any runtime', () => {
    expect(wheelFitsTarget(tagsOf('pkg-2.0-cp312-cp312-manylinux_2_28_x86_64.whl'), py312)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-2.0-cp312-cp312-manylinux_2_34_x86_64.whl'), py312)).toBe(true);
    for (const version of PYTHON_VERSIONS) {
      const abi = RUNTIMES[version].abi;
      expect(wheelFitsTarget(tagsOf(`pkg-3.0-${abi}-${abi}-manylinux_2_35_x86_64.whl`), { runtime: RUNTIMES[version], arch: 'x86_64' })).toBe(false);
    }
  });

  it('judges interpreter and ABI: exact cpXY, older abi3, py3 and none only', () => {
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp38-abi3-manylinux2014_x86_64.whl'), py311)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-abi3-manylinux2014_x86_64.whl'), py311)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp310-cp310-manylinux2014_x86_64.whl'), py311)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl'), py311)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-py3-none-any.whl'), py311)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-py311-none-any.whl'), py311)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-py312-none-any.whl'), py311)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-py2-none-any.whl'), py311)).toBe(false);
  });

  it('refuses the other machine, musl, macOS and Windows wheels', () => {
    const arm = { runtime: RUNTIMES['3.12'], arch: 'arm64' } as const;
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl'), arm)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-manylinux2014_aarch64.whl'), arm)).toBe(true);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-musllinux_1_2_x86_64.whl'), py312)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-macosx_11_0_x86_64.whl'), py312)).toBe(false);
    expect(wheelFitsTarget(tagsOf('pkg-1.0-cp312-cp312-win_amd64.whl'), py312)).toBe(false);
  });

  it('accepts exactly the tags pip derives from the same options, for every runtime and architecture', () => {
    const combos = PYTHON_VERSIONS.flatMap((version) => ARCHITECTURES.map((arch) => ({ version, arch })));
    const script = [
      'import json, sys',
      'from pip._internal.utils.compatibility_tags import get_supported',
      'out = []',
      'for c in json.load(sys.stdin):',
      '    tags = get_supported(version=c["nodot"], platforms=c["platforms"], impl="cp", abis=[c["abi"], "abi3", "none"])',
      '    out.append(sorted({str(t) for t in tags}))',
      'print(json.dumps(out))',
    ].join('\n');
    const input = combos.map(({ version, arch }) => ({
      nodot: version.replace('.', ''),
      abi: RUNTIMES[version].abi,
      platforms: allowedPlatformTags(RUNTIMES[version], arch),
    }));
    const fromPip = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' })) as string[][];
    combos.forEach(({ version, arch }, i) => {
      expect([...supportedTags({ runtime: RUNTIMES[version], arch })].sort(), `${version} ${arch}`).toEqual(fromPip[i]);
    });
  });
});

describe('explainPlatform', () => {
  it('names what a tag demands in words a user knows', () => {
    expect(explainPlatform('manylinux_2_28_x86_64', py311)).toBe('needs glibc 2.28');
    expect(explainPlatform('manylinux2014_x86_64', py311)).toBe('fits');
    expect(explainPlatform('manylinux2014_x86_64', { runtime: RUNTIMES['3.12'], arch: 'arm64' })).toBe('x86_64 only');
    expect(explainPlatform('manylinux_2_17_aarch64', py311)).toBe('aarch64 only');
    expect(explainPlatform('manylinux_2_28_x86_64')).toBe('Linux x86_64, needs glibc 2.28');
    expect(explainPlatform('macosx_11_0_arm64')).toBe('macOS');
    expect(explainPlatform('win_amd64')).toBe('Windows');
    expect(explainPlatform('musllinux_1_2_x86_64')).toMatch(/^musl/);
    expect(explainPlatform('any')).toBe('any platform');
  });
});
