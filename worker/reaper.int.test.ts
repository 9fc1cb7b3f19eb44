import type { SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createEc2BuilderFleet } from '../core/aws/ec2-builder-fleet.js';
import type { BuildStore } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { BuildRecord } from '../core/schemas.js';
import { archResult, buildRecord } from '../test/contracts/build-store.contract.js';
import { createDocumentClient, createTestTable, startDynalite, type Emulator } from '../test/emulators.js';
import { createBuilderLauncher } from './builder-launcher.js';
import { createReaper, DEAD_LETTERED, INSTANCE_ENDED, type ReaperDeps } from './reaper.js';
import { parseWorkerConfig } from './worker-config.js';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-west-1' });
const MINUTE = 60_000;
const t0 = Date.now();
const at = (minutes: number) => new Date(t0 + minutes * MINUTE);

let dynalite: Emulator;
let documentClient: DynamoDBDocumentClient;
let store: BuildStore;
/** The instances DescribeInstances knows, by id. */
let instances: Map<string, Instance>;
let clock: Date;
const logs: string[] = [];

const launchConfig = parseWorkerConfig({
  TABLE_NAME: 'layer-builds',
  BUCKET_NAME: 'layer-artifacts',
  AWS_REGION: 'eu-west-1',
  LAUNCH_TEMPLATE_X86_64: 'lt-0123456789abcdef0',
  LAUNCH_TEMPLATE_ARM64: 'lt-0fedcba9876543210',
  AGENT_KEY: 'agent/agent.mjs',
  PROJECT: 'layer-builder',
});

beforeAll(async () => {
  dynalite = await startDynalite();
  documentClient = createDocumentClient(dynalite.endpoint);
});
afterAll(async () => {
  documentClient?.destroy();
  await dynalite?.stop();
  ec2.restore();
});

beforeEach(async () => {
  store = createDynamoBuildStore({ client: documentClient, tableName: await createTestTable(documentClient) });
  instances = new Map();
  clock = at(0);
  logs.length = 0;
  ec2.reset();
  ec2.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[]; Filters?: Array<{ Name: string; Values: string[] }> }) => {
    if (input.InstanceIds) {
      const found = input.InstanceIds.map((id) => instances.get(id)).filter((i): i is Instance => i !== undefined);
      if (found.length === 0) {
        throw new EC2ServiceException({ name: 'InvalidInstanceID.NotFound', message: 'not found', $fault: 'client', $metadata: {} });
      }
      return { Reservations: [{ Instances: found }] };
    }
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values ?? [];
    const project = input.Filters?.find((f) => f.Name === 'tag:Project')?.Values ?? [];
    const live = [...instances.values()].filter(
      (i) => states.includes(i.State?.Name ?? '') && i.Tags?.some((t) => t.Key === 'Project' && project.includes(t.Value ?? '')),
    );
    return { Reservations: [{ Instances: live }] };
  });
  ec2.on(TerminateInstancesCommand).resolves({});
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ffffffffffffffff' }] });
});
afterEach(() => ec2.reset());

function builder(instanceId: string, buildId: string, arch: Architecture, opts: { state?: string; launchedAt?: Date; project?: string } = {}) {
  instances.set(instanceId, {
    InstanceId: instanceId,
    State: { Name: (opts.state ?? 'running') as NonNullable<Instance['State']>['Name'] },
    LaunchTime: opts.launchedAt ?? clock,
    Tags: [
      { Key: 'BuildId', Value: buildId },
      { Key: 'Architecture', Value: arch },
      { Key: 'Project', Value: opts.project ?? 'layer-builder' },
    ],
  });
}

function reaper(extra: Partial<ReaperDeps> = {}) {
  return createReaper({
    store,
    fleet: createEc2BuilderFleet({ client, project: 'layer-builder' }),
    maxBuildMinutes: 30,
    marginMinutes: 15,
    now: () => clock,
    log: (message) => void logs.push(message),
    ...extra,
  });
}

const stateChange = (instanceId: string, state: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: clock.toISOString(),
  region: 'eu-west-1',
  resources: [`arn:aws:ec2:eu-west-1:123456789012:instance/${instanceId}`],
  detail: { 'instance-id': instanceId, state },
});

const scheduled = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: clock.toISOString(),
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/layer-builder-sweep'],
  detail: {},
});

function deadLetters(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `msg-${i}`,
        receiptHandle: `receipt-${i}`,
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1767225600000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1767225600001' },
        messageAttributes: {},
        md5OfBody: 'not-checked',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:layer-builds-dlq',
        awsRegion: 'eu-west-1',
      }),
    ),
  };
}

/** A claimed build with its architectures BUILDING since `startedAt`. */
async function building(startedAt = clock, architectures: Architecture[] = ['x86_64', 'arm64']): Promise<BuildRecord> {
  const record = buildRecord({ now: startedAt, architectures });
  await store.create(record);
  await store.claim(record.build_id, startedAt);
  for (const arch of architectures) await store.startArchitecture(record.build_id, arch, startedAt);
  return (await store.get(record.build_id))!;
}

describe('reaper: a builder instance ends', () => {
  it('fails an architecture still building with the interruption message', async () => {
    const record = await building();
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'arm64', { state: 'shutting-down' });
    clock = at(7);

    const result = await reaper()(stateChange('i-0aaaaaaaaaaaaaaa1', 'shutting-down'));

    expect(result).toEqual({ handled: 'instance-state', instanceId: 'i-0aaaaaaaaaaaaaaa1', outcome: 'failed' });
    const stored = await store.get(record.build_id);
    expect(stored?.arches.arm64).toMatchObject({ status: 'FAILED', error_message: INSTANCE_ENDED, finished_at: at(7).toISOString() });
    // The message shows at once; the build is FAILED when x86_64 has finished too.
    expect(stored).toMatchObject({ status: 'PROCESSING', error_message: `arm64: ${INSTANCE_ENDED}` });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);

    builder('i-0aaaaaaaaaaaaaaa2', record.build_id, 'x86_64', { state: 'terminated' });
    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa2', 'terminated'))).toMatchObject({ outcome: 'failed' });
    expect(await store.get(record.build_id)).toMatchObject({ status: 'FAILED', error_message: `arm64: ${INSTANCE_ENDED}` });
  });

  it('fails an architecture whose builder was stopped by hand', async () => {
    const record = await building(clock, ['x86_64']);
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'x86_64', { state: 'stopped' });
    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa1', 'stopped'))).toMatchObject({ outcome: 'failed' });
    expect(await store.get(record.build_id)).toMatchObject({ status: 'FAILED', error_message: `x86_64: ${INSTANCE_ENDED}` });
  });

  it('leaves alone an architecture its agent finished before the instance powered off', async () => {
    const record = await building(clock, ['x86_64']);
    const done = await store.completeArchitecture(record.build_id, 'x86_64', archResult('x86_64', record.build_id), at(5));
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'x86_64', { state: 'terminated' });

    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa1', 'terminated'))).toMatchObject({ outcome: 'finished' });
    expect(await store.get(record.build_id)).toEqual(done);
  });

  it('ignores instances that are not builders of this deployment, unknown ones, and states that are not an end', async () => {
    const record = await building();
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'x86_64', { project: 'someone-else' });
    builder('i-0aaaaaaaaaaaaaaa2', record.build_id, 'x86_64', { state: 'running' });

    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa1', 'terminated'))).toMatchObject({ outcome: 'not-a-builder' });
    expect(await reaper()(stateChange('i-0bbbbbbbbbbbbbbb9', 'terminated'))).toMatchObject({ outcome: 'not-a-builder' });
    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa2', 'running'))).toMatchObject({ outcome: 'still-running' });
    expect(await reaper()(stateChange('i-0aaaaaaaaaaaaaaa2', 'pending'))).toMatchObject({ outcome: 'still-running' });
    expect(await store.get(record.build_id)).toEqual(record);
  });

  it('gives one more builder when the operator allows, once, and fails the architecture when that one ends too', async () => {
    const relauncher = createBuilderLauncher(launchConfig, client, undefined, { retry: true });
    const first = createBuilderLauncher(launchConfig, client);
    const record = await building();
    await first.launch(record.build_id, 'arm64');
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'arm64', { state: 'shutting-down' });
    clock = at(9);

    expect(await reaper({ relauncher })(stateChange('i-0aaaaaaaaaaaaaaa1', 'shutting-down'))).toMatchObject({ outcome: 'relaunched' });
    const launches = ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
    expect(launches).toHaveLength(2);
    expect(launches[1]?.TagSpecifications).toEqual(launches[0]?.TagSpecifications);
    expect(launches[1]?.ClientToken).not.toBe(launches[0]?.ClientToken);
    expect(launches[1]?.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(launches[1]!.UserData!, 'base64').toString()).toContain(`export BUILD_ID='${record.build_id}'`);
    const retried = await store.get(record.build_id);
    expect(retried).toMatchObject({ status: 'PROCESSING', updated_at: at(9).toISOString() });
    expect(retried?.arches.arm64?.status).toBe('BUILDING');

    // EC2 reports the same instance again when it is terminated: nothing more happens.
    instances.get('i-0aaaaaaaaaaaaaaa1')!.State = { Name: 'terminated' };
    expect(await reaper({ relauncher })(stateChange('i-0aaaaaaaaaaaaaaa1', 'terminated'))).toMatchObject({ outcome: 'repeat' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(2);
    expect((await store.get(record.build_id))?.status).toBe('PROCESSING');

    // The second builder dies as well: the retry is used, the architecture fails.
    builder('i-0ffffffffffffffff', record.build_id, 'arm64', { state: 'terminated' });
    expect(await reaper({ relauncher })(stateChange('i-0ffffffffffffffff', 'terminated'))).toMatchObject({ outcome: 'failed' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(2);
    expect((await store.get(record.build_id))?.arches.arm64).toMatchObject({ status: 'FAILED', error_message: INSTANCE_ENDED });
  });

  it('fails the architecture with both reasons when the second builder cannot start', async () => {
    ec2.on(RunInstancesCommand).rejects(
      new EC2ServiceException({ name: 'InsufficientInstanceCapacity', message: 'none', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
    );
    const relauncher = createBuilderLauncher(launchConfig, client, undefined, { retry: true });
    const record = await building();
    builder('i-0aaaaaaaaaaaaaaa1', record.build_id, 'x86_64', { state: 'terminated' });

    expect(await reaper({ relauncher })(stateChange('i-0aaaaaaaaaaaaaaa1', 'terminated'))).toMatchObject({ outcome: 'failed' });
    const message = (await store.get(record.build_id))?.arches.x86_64?.error_message;
    expect(message).toBe(
      `${INSTANCE_ENDED}; a second builder could not start: no Spot capacity for x86_64 builders right now (tried c5.xlarge, c6i.xlarge, m5.xlarge: InsufficientInstanceCapacity); try again in a few minutes`,
    );
  });
});

describe('reaper: the scheduled sweep', () => {
  it('fails builds silent beyond the time limit plus the margin, and only those', async () => {
    const stale = await building(at(0));
    const staleQueued = buildRecord({ now: at(0) });
    await store.create(staleQueued);
    const half = await building(at(0));
    await store.completeArchitecture(half.build_id, 'x86_64', archResult('x86_64', half.build_id), at(10));
    const recent = await building(at(20));
    clock = at(46);

    const result = await reaper()(scheduled());

    expect(result).toMatchObject({ handled: 'sweep' });
    expect((result as { failed: string[] }).failed.sort()).toEqual([stale.build_id, staleQueued.build_id].sort());
    const failed = await store.get(stale.build_id);
    expect(failed?.status).toBe('FAILED');
    for (const arch of ['x86_64', 'arm64'] as const) {
      expect(failed?.arches[arch]?.error_message).toBe(
        'the builder did not finish within the 30-minute time limit and has not reported for 45 minutes; please submit the build again',
      );
    }
    expect(await store.get(staleQueued.build_id)).toMatchObject({
      status: 'FAILED',
      error_message: 'the build was never started (it waited 45 minutes); please submit it again',
    });
    expect((await store.get(half.build_id))?.status).toBe('PROCESSING');
    expect((await store.get(recent.build_id))?.status).toBe('PROCESSING');

    clock = at(56);
    await reaper()(scheduled());
    expect((await store.get(half.build_id))?.arches.arm64?.status).toBe('FAILED');
    expect((await store.get(half.build_id))?.arches.x86_64?.status).toBe('COMPLETED');
  });

  it('terminates builders whose build finished, is gone, or that outlived the time limit; keeps working ones', async () => {
    const working = await building(at(0));
    const done = await building(at(0), ['x86_64']);
    await store.completeArchitecture(done.build_id, 'x86_64', archResult('x86_64', done.build_id), at(3));
    const justDone = await building(at(0), ['x86_64']);
    await store.completeArchitecture(justDone.build_id, 'x86_64', archResult('x86_64', justDone.build_id), at(10));
    builder('i-00000000000000001', working.build_id, 'x86_64', { launchedAt: at(0) });
    builder('i-00000000000000002', done.build_id, 'x86_64', { launchedAt: at(0) });
    builder('i-00000000000000003', justDone.build_id, 'x86_64', { launchedAt: at(0) });
    builder('i-00000000000000004', randomUUID(), 'arm64', { launchedAt: at(0) });
    builder('i-00000000000000005', working.build_id, 'arm64', { launchedAt: at(-50) });
    builder('i-00000000000000006', done.build_id, 'x86_64', { launchedAt: at(0), state: 'terminated' });
    clock = at(12);

    const result = await reaper()(scheduled());

    expect(result).toMatchObject({ handled: 'sweep', failed: [] });
    const terminated = ec2.commandCalls(TerminateInstancesCommand).flatMap((call) => call.args[0].input.InstanceIds ?? []);
    expect(terminated.sort()).toEqual(['i-00000000000000002', 'i-00000000000000004', 'i-00000000000000005']);
    expect((result as { terminated: string[] }).terminated.sort()).toEqual(terminated.sort());
  });

  it('terminates nothing when nothing is left over', async () => {
    await building(at(0));
    expect(await reaper()(scheduled())).toEqual({ handled: 'sweep', failed: [], terminated: [] });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });
});

describe('reaper: dead letters', () => {
  it('fails each build whose queue message ran out of deliveries, drops junk, ignores unknown builds', async () => {
    const queued = buildRecord();
    await store.create(queued);
    const done = await building(clock, ['x86_64']);
    const completed = await store.completeArchitecture(done.build_id, 'x86_64', archResult('x86_64', done.build_id), at(1));

    const response = await reaper()(
      deadLetters(JSON.stringify({ build_id: queued.build_id }), 'not json', JSON.stringify({ build_id: randomUUID() }), JSON.stringify({ build_id: done.build_id })),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await store.get(queued.build_id)).toMatchObject({ status: 'FAILED', error_message: DEAD_LETTERED });
    expect(await store.get(done.build_id)).toEqual(completed);
    expect(logs).toContain('dropping a dead letter that names no build');
  });

  it('asks SQS to deliver again only the message whose build could not be written', async () => {
    const first = buildRecord();
    const second = buildRecord();
    await store.create(first);
    await store.create(second);
    const throttled: BuildStore = {
      ...store,
      failBuild: async (buildId, message, now) => {
        if (buildId === first.build_id) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return store.failBuild(buildId, message, now);
      },
    };

    const response = await reaper({ store: throttled })(deadLetters(JSON.stringify({ build_id: first.build_id }), JSON.stringify({ build_id: second.build_id })));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-0' }] });
    expect((await store.get(first.build_id))?.status).toBe('QUEUED');
    expect((await store.get(second.build_id))?.status).toBe('FAILED');
  });
});

describe('reaper: other events', () => {
  it('ignores an event it does not handle, and says so', async () => {
    expect(await reaper()({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', detail: {} })).toEqual({ handled: 'ignored' });
    expect(logs).toContain('ignoring an event the reaper does not handle');
  });
});

describe('reaper Lambda entry', () => {
  it('reads its environment and sweeps on a scheduled event', async () => {
    const tableName = await createTestTable(documentClient);
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      AWS_REGION: 'us-east-1',
      PROJECT: 'layer-builder',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    });
    const entryStore = createDynamoBuildStore({ client: documentClient, tableName });
    const stale = buildRecord({ now: new Date(Date.now() - 2 * 3600_000) });
    await entryStore.create(stale);

    const { handler } = await import('./reaper-lambda.js');
    const result = await handler(scheduled());

    expect(result).toEqual({ handled: 'sweep', failed: [stale.build_id], terminated: [] });
    expect((await entryStore.get(stale.build_id))?.status).toBe('FAILED');
  });
});
