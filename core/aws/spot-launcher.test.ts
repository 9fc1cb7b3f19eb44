import { EC2Client, EC2ServiceException, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Architecture } from '../runtime-catalog.js';
import { createSpotLauncher, LaunchError, type SpotLauncherOptions } from './spot-launcher.js';

const ec2 = mockClient(EC2Client);
const BUILD_ID = '6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11';
const userData = (buildId: string, arch: Architecture) => `#!/bin/bash\necho ${buildId} ${arch}\n`;

function awsError(code: string, message = `${code} from EC2 for account 123456789012`): EC2ServiceException {
  return new EC2ServiceException({ name: code, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

function launcher(overrides: Partial<SpotLauncherOptions> = {}) {
  return createSpotLauncher({
    client: new EC2Client({ region: 'eu-west-1' }),
    launchTemplates: { x86_64: { id: 'lt-0123456789abcdef0' }, arm64: { name: 'builder-arm64' } },
    instanceTypes: { x86_64: ['c5.xlarge', 'c6i.xlarge'], arm64: ['c7g.xlarge', 'm7g.xlarge'] },
    allowOnDemand: false,
    userData,
    project: 'layer-builder',
    ...overrides,
  });
}

const calls = (): RunInstancesCommandInput[] => ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
const attempted = () => calls().map((input) => `${input.InstanceType} ${input.InstanceMarketOptions ? 'spot' : 'on-demand'}`);

beforeEach(() => {
  ec2.reset();
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });
});
afterEach(() => ec2.reset());

describe('spot launcher', () => {
  it('launches one Spot instance from the architecture launch template, tagged and with the user data', async () => {
    await launcher().launch(BUILD_ID, 'x86_64');

    const tags = [
      { Key: 'BuildId', Value: BUILD_ID },
      { Key: 'Architecture', Value: 'x86_64' },
      { Key: 'Project', Value: 'layer-builder' },
    ];
    const [input] = calls();
    expect(calls()).toHaveLength(1);
    expect(input).toEqual({
      MinCount: 1,
      MaxCount: 1,
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Latest' },
      InstanceType: 'c5.xlarge',
      InstanceMarketOptions: {
        MarketType: 'spot',
        SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
      },
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      UserData: expect.any(String),
      ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(Buffer.from(input?.UserData ?? '', 'base64').toString('utf8')).toBe(userData(BUILD_ID, 'x86_64'));
  });

  it('uses the arm64 template by name, with arm64 instance types and tags', async () => {
    await launcher().launch(BUILD_ID, 'arm64');

    const [input] = calls();
    expect(input?.LaunchTemplate).toEqual({ LaunchTemplateName: 'builder-arm64', Version: '$Latest' });
    expect(input?.InstanceType).toBe('c7g.xlarge');
    expect(input?.TagSpecifications?.[0]?.Tags).toContainEqual({ Key: 'Architecture', Value: 'arm64' });
    expect(Buffer.from(input?.UserData ?? '', 'base64').toString('utf8')).toBe(userData(BUILD_ID, 'arm64'));
  });

  it('gives each attempt its own client token, the same whenever that build and architecture is launched', async () => {
    const tokensOf = async (buildId: string, arch: Architecture) => {
      ec2.resetHistory();
      ec2.on(RunInstancesCommand).rejectsOnce(awsError('InsufficientInstanceCapacity')).resolves({});
      await launcher().launch(buildId, arch);
      return calls().map((input) => input.ClientToken);
    };

    const first = await tokensOf(BUILD_ID, 'x86_64');
    const again = await tokensOf(BUILD_ID, 'x86_64');
    const otherArch = await tokensOf(BUILD_ID, 'arm64');
    const otherBuild = await tokensOf('another-build', 'x86_64');

    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(2);
    expect(again).toEqual(first);
    expect(otherArch.filter((token) => first.includes(token))).toEqual([]);
    expect(otherBuild.filter((token) => first.includes(token))).toEqual([]);
  });

  it.each([
    'InsufficientInstanceCapacity',
    'SpotMaxPriceTooLow',
    'MaxSpotInstanceCountExceeded',
    'InsufficientCapacity',
    'Unsupported',
    'UnfulfillableCapacity',
    'InstanceLimitExceeded',
    'VcpuLimitExceeded',
  ])('tries the next instance type after %s', async (code) => {
    ec2.on(RunInstancesCommand).rejectsOnce(awsError(code)).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });

    await launcher().launch(BUILD_ID, 'arm64');

    expect(attempted()).toEqual(['c7g.xlarge spot', 'm7g.xlarge spot']);
  });

  it('does not fall back to On-Demand unless the operator allowed it', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));

    const failure = await launcher().launch(BUILD_ID, 'arm64').catch((error: unknown) => error);

    expect(attempted()).toEqual(['c7g.xlarge spot', 'm7g.xlarge spot']);
    expect(failure).toBeInstanceOf(LaunchError);
    expect((failure as LaunchError).message).toBe(
      'no Spot capacity for arm64 builders right now (tried c7g.xlarge, m7g.xlarge: InsufficientInstanceCapacity); try again in a few minutes',
    );
  });

  it('tries the same types On-Demand after Spot when allowed', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .rejectsOnce(awsError('SpotMaxPriceTooLow'))
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .resolves({ Instances: [{ InstanceId: 'i-0abc' }] });

    await launcher({ allowOnDemand: true }).launch(BUILD_ID, 'x86_64');

    expect(attempted()).toEqual(['c5.xlarge spot', 'c6i.xlarge spot', 'c5.xlarge on-demand', 'c6i.xlarge on-demand']);
    const onDemand = calls()[3];
    expect(onDemand).not.toHaveProperty('InstanceMarketOptions');
    expect(onDemand?.InstanceInitiatedShutdownBehavior).toBe('terminate');
    expect(onDemand?.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Latest' });
  });

  it('names every attempt and its error when Spot and On-Demand all fail', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .rejectsOnce(awsError('MaxSpotInstanceCountExceeded'))
      .rejects(awsError('InsufficientInstanceCapacity'));

    await expect(launcher({ allowOnDemand: true }).launch(BUILD_ID, 'arm64')).rejects.toThrow(
      new LaunchError(
        'no Spot or On-Demand capacity for arm64 builders right now (tried c7g.xlarge Spot: InsufficientInstanceCapacity, ' +
          'm7g.xlarge Spot: MaxSpotInstanceCountExceeded, c7g.xlarge On-Demand: InsufficientInstanceCapacity, ' +
          'm7g.xlarge On-Demand: InsufficientInstanceCapacity); try again in a few minutes',
      ),
    );
    expect(calls()).toHaveLength(4);
  });

  it('stops at an On-Demand account limit: it binds every type alike', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .rejects(awsError('VcpuLimitExceeded'));

    await expect(launcher({ allowOnDemand: true }).launch(BUILD_ID, 'x86_64')).rejects.toThrow(
      'EC2 did not start the x86_64 builder (VcpuLimitExceeded)',
    );
    expect(attempted()).toEqual(['c5.xlarge spot', 'c6i.xlarge spot', 'c5.xlarge on-demand']);
  });

  it('fails at once on UnauthorizedOperation, naming the code and nothing from the account', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized. arn:aws:iam::123456789012:role/worker'));

    const failure = await launcher({ allowOnDemand: true }).launch(BUILD_ID, 'x86_64').catch((error: unknown) => error);

    expect(calls()).toHaveLength(1);
    expect(failure).toBeInstanceOf(LaunchError);
    expect((failure as Error).message).toBe('EC2 did not start the x86_64 builder (UnauthorizedOperation)');
    expect((failure as Error).message).not.toMatch(/123456789012|arn:/);
  });

  it('fails at once on a bad launch template', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InvalidLaunchTemplateId.NotFound'));

    await expect(launcher().launch(BUILD_ID, 'x86_64')).rejects.toThrow('EC2 did not start the x86_64 builder (InvalidLaunchTemplateId.NotFound)');
    expect(calls()).toHaveLength(1);
  });

  it('logs each refusal and the launched instance for the operator', async () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    ec2.on(RunInstancesCommand).rejectsOnce(awsError('InsufficientInstanceCapacity')).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });

    await launcher({ log: (message, details) => lines.push([message, details]) }).launch(BUILD_ID, 'x86_64');

    expect(lines).toEqual([
      ['no capacity for builder', expect.objectContaining({ buildId: BUILD_ID, instanceType: 'c5.xlarge', market: 'spot', code: 'InsufficientInstanceCapacity' })],
      ['builder launched', expect.objectContaining({ buildId: BUILD_ID, instanceType: 'c6i.xlarge', market: 'spot', instanceId: 'i-0abc' })],
    ]);
  });
});
