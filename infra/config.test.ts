import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseSettings, PROJECT_NAMESPACE, WORKER_TIMEOUT_SECONDS } from './config.js';
import { settle, stackConfig } from './testing/program-mocks.js';

const from = (values: Record<string, string>) => (key: string) => values[key];
const parse = (values: Record<string, string>, region: string | undefined = 'eu-central-1') => parseSettings(from(values), region);
const refusal = (values: Record<string, string>, ...region: [string | undefined] | []) => {
  try {
    parseSettings(from(values), region.length === 0 ? 'eu-central-1' : region[0]);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('stack settings', () => {
  it("default to the seed's: 24 h artifacts, c5/c7g first, 50 GB, 30 min, 10 builds, 10 rps burst 20, 3 receives, no On-Demand", () => {
    const settings = parse({});
    expect(settings).toMatchObject({
      region: 'eu-central-1',
      artifactTtlHours: 24,
      volumeSizeGb: 50,
      maxBuildMinutes: 30,
      allowedOrigins: ['*'],
      builderImagePrefix: 'public.ecr.aws/sam',
      indexUrl: 'https://pypi.org/simple',
      extraIndexUrls: [],
      maxActiveBuilds: 10,
      apiThrottle: { rateLimit: 10, burstLimit: 20 },
      queue: { visibilityTimeoutSeconds: 6 * WORKER_TIMEOUT_SECONDS, maxReceiveCount: 3 },
      allowOnDemand: false,
      retryInterrupted: false,
      logRetentionDays: 14,
    });
    expect(settings.instanceTypes.x86_64[0]).toBe('c5.xlarge');
    expect(settings.instanceTypes.arm64[0]).toBe('c7g.xlarge');
    expect(settings.apiToken).toBeUndefined();
    expect(Object.isFrozen(settings) && Object.isFrozen(settings.instanceTypes.arm64)).toBe(true);
  });

  it('Pulumi.prod.yaml carries the defaults, read the way the Pulumi CLI hands them over (lists as JSON)', () => {
    const file = stackConfig('prod');
    expect(file['aws:region']).toBe('eu-central-1');
    const project = Object.fromEntries(
      Object.entries(file)
        .filter(([key]) => key.startsWith(`${PROJECT_NAMESPACE}:`))
        .map(([key, value]) => [key.slice(PROJECT_NAMESPACE.length + 1), value]),
    );
    expect(Object.keys(project).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(parse(project, file['aws:region'])).toEqual(parse({}));
  });

  it('take lists as YAML lists or comma-separated', () => {
    const settings = parse({
      instanceTypesArm64: '["c8g.xlarge", "m7gd.2xlarge"]',
      instanceTypesX86_64: 'c7i.xlarge, m6a.xlarge',
      allowedOrigins: 'https://me.github.io,http://localhost:5173',
      extraIndexUrls: '["https://download.pytorch.org/whl/cpu"]',
    });
    expect(settings.instanceTypes).toEqual({ arm64: ['c8g.xlarge', 'm7gd.2xlarge'], x86_64: ['c7i.xlarge', 'm6a.xlarge'] });
    expect(settings.allowedOrigins).toEqual(['https://me.github.io', 'http://localhost:5173']);
    expect(settings.extraIndexUrls).toEqual(['https://download.pytorch.org/whl/cpu']);
  });

  it('keep the API token as a secret output', async () => {
    const settings = parse({ apiToken: 'a-long-enough-token-123' });
    expect(pulumi.Output.isInstance(settings.apiToken)).toBe(true);
    expect(await pulumi.isSecret(settings.apiToken!)).toBe(true);
    expect(await settle(settings.apiToken)).toBe('a-long-enough-token-123');
    expect(parse({ apiToken: '' }).apiToken).toBeUndefined();
  });

  it.each([
    ['volumeSizeGb', 'big', 'expected a whole number from 8 to 1024'],
    ['volumeSizeGb', '12.5', 'expected a whole number from 8 to 1024'],
    ['maxBuildMinutes', '0', 'expected a whole number from 5 to 1440'],
    ['artifactTtlHours', '200', 'expected a whole number from 1 to 168'],
    ['instanceTypesArm64', 'c5.xlarge', 'c5.xlarge is not a Graviton (arm64) type; the arm64 builders need arm64 types'],
    ['instanceTypesX86_64', '["c5.xlarge", "c7g.xlarge"]', 'c7g.xlarge is a Graviton (arm64) type; the x86_64 builders need x86_64 types'],
    ['instanceTypesX86_64', '', 'expected at least one instance type'],
    ['instanceTypesX86_64', '["c5.xlarge", 4]', 'expected a list of instance types'],
    ['allowedOrigins', 'https://me.github.io/site', 'expected * or origins such as https://example.github.io (no path)'],
    ['builderImagePrefix', 'Not A Registry', 'expected a registry path such as public.ecr.aws/sam'],
    ['indexUrl', 'ftp://mirror/simple', 'expected http(s) URLs of PEP 503 indexes'],
    ['indexUrl', 'https://mirror.example/simple; reboot', 'expected http(s) URLs of PEP 503 indexes'],
    ['apiThrottleRateLimit', '0', 'expected requests per second above 0'],
    ['queueVisibilityTimeoutSeconds', '30', `expected a whole number from ${WORKER_TIMEOUT_SECONDS} to 43200`],
    ['queueMaxReceiveCount', '0', 'expected a whole number from 1 to 1000'],
    ['allowOnDemand', 'yes', 'expected true or false'],
    ['retryInterrupted', '1', 'expected true or false'],
    ['extraIndexUrls', 'https://user:secret@mirror.example/simple', 'expected http(s) URLs of PEP 503 indexes, without credentials'],
    ['logRetentionDays', '10', 'expected one of 1, 3, 5, 7, 14, 30'],
    ['apiToken', 'short', 'expected 16 to 512 visible ASCII characters'],
  ])('refuse %s = %j, naming the key', (key, value, message) => {
    expect(refusal({ [key]: value })).toContain(`${PROJECT_NAMESPACE}:${key}: ${message}`);
  });

  it('refuse a missing or malformed aws:region', () => {
    expect(refusal({}, undefined)).toContain('aws:region: expected a region such as eu-central-1');
    expect(refusal({}, 'Frankfurt')).toContain('aws:region: expected a region such as eu-central-1');
  });

  it('name every bad key at once', () => {
    const message = refusal({ volumeSizeGb: '2', maxActiveBuilds: 'many', allowOnDemand: 'maybe' });
    expect(message).toMatch(/^bad stack configuration: /);
    for (const key of ['volumeSizeGb', 'maxActiveBuilds', 'allowOnDemand']) expect(message).toContain(`${PROJECT_NAMESPACE}:${key}:`);
  });
});
