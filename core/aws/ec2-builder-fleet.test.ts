import { DescribeInstancesCommand, EC2Client, EC2ServiceException, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEc2BuilderFleet } from './ec2-builder-fleet.js';

const ec2 = mockClient(EC2Client);
const BUILD_ID = '6f1c2f4e-0d9a-4c1e-9a55-2b1f1d0c9e11';
const launched = new Date('2026-12-03T10:00:00Z');

function instance(id: string, tags: Record<string, string>, state = 'running'): Instance {
  return {
    InstanceId: id,
    State: { Name: state as NonNullable<Instance['State']>['Name'] },
    LaunchTime: launched,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}
const builderTags = (arch = 'arm64') => ({ Project: 'layer-builder', BuildId: BUILD_ID, Architecture: arch });
const fleet = () => createEc2BuilderFleet({ client: new EC2Client({ region: 'eu-west-1' }), project: 'layer-builder' });

beforeEach(() => ec2.reset());
afterEach(() => ec2.reset());

describe('EC2 builder fleet', () => {
  it('describes a builder from its tags', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] }).resolves({
      Reservations: [{ Instances: [instance('i-0123456789abcdef0', builderTags(), 'shutting-down')] }],
    });
    expect(await fleet().describe('i-0123456789abcdef0')).toEqual({
      instanceId: 'i-0123456789abcdef0',
      buildId: BUILD_ID,
      arch: 'arm64',
      state: 'shutting-down',
      launchedAt: launched,
    });
  });

  it.each([
    ['another project', { ...builderTags(), Project: 'other' }],
    ['no build id', { Project: 'layer-builder', Architecture: 'arm64' }],
    ['a malformed build id', { ...builderTags(), BuildId: '../x' }],
    ['an unknown architecture', builderTags('sparc')],
  ])('does not take an instance with %s for a builder', async (_label, tags) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0123456789abcdef0', tags)] }] });
    expect(await fleet().describe('i-0123456789abcdef0')).toBeUndefined();
  });

  it('answers undefined for an instance EC2 no longer knows, and for a malformed id without asking', async () => {
    ec2.on(DescribeInstancesCommand).rejects(
      new EC2ServiceException({ name: 'InvalidInstanceID.NotFound', message: 'gone', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    );
    expect(await fleet().describe('i-0123456789abcdef0')).toBeUndefined();
    expect(await fleet().describe('not-an-instance')).toBeUndefined();
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('lets other EC2 errors through', async () => {
    ec2.on(DescribeInstancesCommand).rejects(
      new EC2ServiceException({ name: 'RequestLimitExceeded', message: 'slow down', $fault: 'client', $metadata: { httpStatusCode: 503 } }),
    );
    await expect(fleet().describe('i-0123456789abcdef0')).rejects.toThrow('slow down');
  });

  it("lists the project's live builders across pages, filtered by tag and state", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-00000000000000001', builderTags('x86_64'))] }], NextToken: 'page-2' })
      .resolvesOnce({
        Reservations: [{ Instances: [instance('i-00000000000000002', builderTags(), 'pending'), instance('i-00000000000000003', { Project: 'layer-builder' })] }],
      });
    const live = await fleet().listLive();
    expect(live.map((b) => `${b.instanceId} ${b.arch} ${b.state}`)).toEqual(['i-00000000000000001 x86_64 running', 'i-00000000000000002 arm64 pending']);
    const inputs = ec2.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input);
    expect(inputs[0]?.Filters).toEqual([
      { Name: 'tag:Project', Values: ['layer-builder'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
    expect(inputs[1]?.NextToken).toBe('page-2');
  });

  it('terminates in batches EC2 accepts, and does nothing for none', async () => {
    ec2.on(TerminateInstancesCommand).resolves({});
    await fleet().terminate([]);
    const ids = Array.from({ length: 1001 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await fleet().terminate(ids);
    const calls = ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds?.length);
    expect(calls).toEqual([1000, 1]);
  });
});
