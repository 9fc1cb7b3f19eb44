import { describe, expect, it } from 'vitest';
import { parseReaperConfig } from './reaper-config.js';

const required = { TABLE_NAME: 'layer-builds', AWS_REGION: 'eu-west-1', PROJECT: 'layer-builder' };
const launch = {
  BUCKET_NAME: 'layer-artifacts',
  LAUNCH_TEMPLATE_X86_64: 'lt-0123456789abcdef0',
  LAUNCH_TEMPLATE_ARM64: 'lt-0fedcba9876543210',
  AGENT_KEY: 'agent/agent.mjs',
};

describe('reaper configuration', () => {
  it('reads the table, project and limits, without retries by default', () => {
    expect(parseReaperConfig(required)).toEqual({
      tableName: 'layer-builds',
      region: 'eu-west-1',
      project: 'layer-builder',
      maxBuildMinutes: 30,
      marginMinutes: 15,
      retry: undefined,
    });
  });

  it('reads the launch settings when interrupted builds may be retried', () => {
    const config = parseReaperConfig({ ...required, ...launch, RETRY_INTERRUPTED: 'true', MAX_BUILD_MINUTES: '40', SWEEP_MARGIN_MINUTES: '20' });
    expect(config).toMatchObject({ maxBuildMinutes: 40, marginMinutes: 20 });
    expect(config.retry).toMatchObject({ launchTemplates: { x86_64: { id: 'lt-0123456789abcdef0' } }, maxBuildMinutes: 40, agentKey: 'agent/agent.mjs' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('says which launch settings a retry needs when they are missing', () => {
    expect(() => parseReaperConfig({ ...required, RETRY_INTERRUPTED: 'true' })).toThrow(
      /^bad reaper configuration: RETRY_INTERRUPTED=true needs the launch settings: bad worker configuration: BUCKET_NAME: .*LAUNCH_TEMPLATE_X86_64/,
    );
  });

  it.each([
    ['TABLE_NAME', undefined],
    ['PROJECT', 'layer builder'],
    ['AWS_REGION', 'Frankfurt'],
    ['MAX_BUILD_MINUTES', '0'],
    ['SWEEP_MARGIN_MINUTES', 'soon'],
    ['RETRY_INTERRUPTED', 'yes'],
  ])('refuses %s=%j and names it', (name, value) => {
    expect(() => parseReaperConfig({ ...required, [name]: value })).toThrow(new RegExp(`^bad reaper configuration: ${name}: `));
  });
});
