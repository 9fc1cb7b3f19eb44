import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './agent-config.js';

const required = {
  BUILD_ID: '6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11',
  ARCH: 'arm64',
  TABLE_NAME: 'layer-builds',
  BUCKET_NAME: 'layer-artifacts',
  AWS_REGION: 'eu-west-1',
};

describe('agent configuration', () => {
  it('reads the build, the architecture and where things live, and fills the defaults', () => {
    expect(parseAgentConfig(required)).toEqual({
      buildId: '6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11',
      arch: 'arm64',
      tableName: 'layer-builds',
      bucketName: 'layer-artifacts',
      region: 'eu-west-1',
      index: { indexUrl: 'https://pypi.org/simple', extraIndexUrls: [] },
      imagePrefix: undefined,
      maxBuildMinutes: 30,
      python: 'python3',
      instanceId: undefined,
    });
  });

  it("reads the operator's indexes, image prefix, time limit, Python and instance id", () => {
    const config = parseAgentConfig({
      ...required,
      INDEX_URL: 'https://pypi.internal.example.com/simple',
      EXTRA_INDEX_URLS: 'https://a.example.com/simple, https://b.example.com/simple',
      BUILDER_IMAGE_PREFIX: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam',
      MAX_BUILD_MINUTES: '45',
      PYTHON: 'python3.12',
      INSTANCE_ID: 'i-0123456789abcdef0',
    });
    expect(config.index).toEqual({
      indexUrl: 'https://pypi.internal.example.com/simple',
      extraIndexUrls: ['https://a.example.com/simple', 'https://b.example.com/simple'],
    });
    expect(config).toMatchObject({
      imagePrefix: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam',
      maxBuildMinutes: 45,
      python: 'python3.12',
      instanceId: 'i-0123456789abcdef0',
    });
  });

  it('treats empty optional values as unset, and is frozen', () => {
    const config = parseAgentConfig({ ...required, BUILDER_IMAGE_PREFIX: '', INSTANCE_ID: '', EXTRA_INDEX_URLS: '' });
    expect(config.imagePrefix).toBeUndefined();
    expect(config.instanceId).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.index.extraIndexUrls)).toBe(true);
  });

  it('names every missing variable', () => {
    expect(() => parseAgentConfig({ ARCH: 'x86_64' })).toThrow(/^bad agent configuration: BUILD_ID: .*; TABLE_NAME: .*; BUCKET_NAME: .*; AWS_REGION: /);
  });

  it.each([
    ['BUILD_ID', '../etc'],
    ['ARCH', 'aarch64'],
    ['AWS_REGION', 'Ireland'],
    ['INDEX_URL', 'file:///opt/pypi/simple'],
    ['EXTRA_INDEX_URLS', 'https://ok.example.com/simple,ftp://bad.example.com'],
    ['BUILDER_IMAGE_PREFIX', 'Registry With Spaces'],
    ['MAX_BUILD_MINUTES', '0'],
    ['INSTANCE_ID', 'instance-1'],
    ['TABLE_NAME', 'builds; drop'],
  ])('refuses %s=%j and names it', (name, value) => {
    expect(() => parseAgentConfig({ ...required, [name]: value })).toThrow(new RegExp(`^bad agent configuration: ${name}: `));
  });
});
