import { describe, expect, it } from 'vitest';
import { parseWorkerConfig } from './worker-config.js';

const required = {
  TABLE_NAME: 'layer-builds',
  BUCKET_NAME: 'layer-artifacts',
  AWS_REGION: 'eu-west-1',
  LAUNCH_TEMPLATE_X86_64: 'lt-0123456789abcdef0',
  LAUNCH_TEMPLATE_ARM64: 'lt-0fedcba9876543210',
  AGENT_KEY: 'agent/agent.mjs',
  PROJECT: 'layer-builder',
};

describe('worker configuration', () => {
  it('reads the required values and fills the defaults', () => {
    expect(parseWorkerConfig(required)).toEqual({
      tableName: 'layer-builds',
      bucketName: 'layer-artifacts',
      region: 'eu-west-1',
      launchTemplates: { x86_64: { id: 'lt-0123456789abcdef0' }, arm64: { id: 'lt-0fedcba9876543210' } },
      instanceTypes: { x86_64: ['c5.xlarge', 'c6i.xlarge', 'm5.xlarge'], arm64: ['c7g.xlarge', 'c6g.xlarge', 'm7g.xlarge'] },
      allowOnDemand: false,
      agentKey: 'agent/agent.mjs',
      maxBuildMinutes: 30,
      project: 'layer-builder',
      index: { indexUrl: 'https://pypi.org/simple', extraIndexUrls: [] },
      builderImagePrefix: undefined,
    });
  });

  it("reads the operator's package indexes and builder image prefix", () => {
    const config = parseWorkerConfig({
      ...required,
      INDEX_URL: 'https://pypi.internal.example.com/simple',
      EXTRA_INDEX_URLS: 'https://a.example.com/simple,https://b.example.com/simple',
      BUILDER_IMAGE_PREFIX: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam',
    });
    expect(config.index).toEqual({
      indexUrl: 'https://pypi.internal.example.com/simple',
      extraIndexUrls: ['https://a.example.com/simple', 'https://b.example.com/simple'],
    });
    expect(config.builderImagePrefix).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam');
    expect(parseWorkerConfig({ ...required, BUILDER_IMAGE_PREFIX: '' }).builderImagePrefix).toBeUndefined();
  });

  it('reads instance type lists, On-Demand and the time limit', () => {
    const config = parseWorkerConfig({
      ...required,
      INSTANCE_TYPES_X86_64: 'c7i.2xlarge, m7i.2xlarge',
      INSTANCE_TYPES_ARM64: 'c8g.xlarge',
      ALLOW_ON_DEMAND: 'true',
      MAX_BUILD_MINUTES: '45',
    });
    expect(config.instanceTypes).toEqual({ x86_64: ['c7i.2xlarge', 'm7i.2xlarge'], arm64: ['c8g.xlarge'] });
    expect(config.allowOnDemand).toBe(true);
    expect(config.maxBuildMinutes).toBe(45);
  });

  it('is frozen, lists included', () => {
    const config = parseWorkerConfig(required);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.instanceTypes.arm64)).toBe(true);
    expect(Object.isFrozen(config.launchTemplates.x86_64)).toBe(true);
  });

  it('names every missing variable', () => {
    const { TABLE_NAME: _table, LAUNCH_TEMPLATE_ARM64: _arm, ...rest } = required;
    expect(() => parseWorkerConfig(rest)).toThrow(/^bad worker configuration: TABLE_NAME: .*; LAUNCH_TEMPLATE_ARM64: /);
  });

  it.each([
    ['AWS_REGION', 'Europe'],
    ['LAUNCH_TEMPLATE_X86_64', 'builder-x86'],
    ['INSTANCE_TYPES_ARM64', 'c7g.xlarge,big box'],
    ['INSTANCE_TYPES_X86_64', ' , '],
    ['ALLOW_ON_DEMAND', 'yes'],
    ['MAX_BUILD_MINUTES', '0'],
    ['MAX_BUILD_MINUTES', 'thirty'],
    ['BUCKET_NAME', "bucket'; reboot"],
    ['AGENT_KEY', 'agent $(id).mjs'],
    ['PROJECT', ''],
    ['INDEX_URL', 'https://user:token@pypi.example.com/simple'],
    ['EXTRA_INDEX_URLS', 'ftp://mirror.example.com'],
    ['BUILDER_IMAGE_PREFIX', 'Not A Registry'],
  ])('refuses %s=%j and names it', (name, value) => {
    expect(() => parseWorkerConfig({ ...required, [name]: value })).toThrow(new RegExp(`^bad worker configuration: ${name}: `));
  });
});
