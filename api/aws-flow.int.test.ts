import { RunInstancesCommand, EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResultV2, SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { interceptLocalhostDns } from 'fauxqs';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createS3ArtifactStore } from '../core/aws/s3-artifact-store.js';
import type { BuildStore } from '../core/ports.js';
import type { ArchReport } from '../core/schemas.js';
import {
  createDocumentClient,
  createDynamoClient,
  createS3Client,
  createSqsClient,
  createTestBucket,
  createTestQueue,
  createTestTable,
  S3RVER_CREDENTIALS,
  startDynalite,
  startFauxqs,
  startS3rver,
  type Emulator,
} from '../test/emulators.js';
import { httpApiEvent, lambdaContext, sqsEvent, sqsRecord } from '../test/lambda-events.js';

/**
 * The whole AWS path through the real Lambda handlers: API Gateway (payload 2.0) ->
 * DynamoDB (dynalite) + SQS (fauxqs) -> worker -> EC2 RunInstances (mocked: no EC2
 * emulator exists) -> a builder's completion through the store -> presigned downloads
 * from S3 (s3rver).
 */
type ApiHandler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;
type WorkerHandler = (event: unknown, context: unknown) => Promise<SQSBatchResponse>;

let dynamo: Emulator;
let s3: Emulator;
let sqs: Emulator;
let tableName: string;
let bucket: string;
let queueUrl: string;
let api: ApiHandler;
let worker: WorkerHandler;
let store: BuildStore;
let work: string;
const ec2 = mockClient(EC2Client);
let launchCounter = 0;
let restoreDns: (() => void) | undefined;

beforeAll(async () => {
  [dynamo, s3, sqs] = await Promise.all([startDynalite(), startS3rver(), startFauxqs()]);
  tableName = await createTestTable(createDynamoClient(dynamo.endpoint));
  bucket = await createTestBucket(createS3Client(s3.endpoint));
  // fauxqs hands out queue URLs on sqs.<region>.localhost, which the SDK calls directly
  // (as it calls sqs.<region>.amazonaws.com on AWS): resolve *.localhost to 127.0.0.1.
  restoreDns = interceptLocalhostDns();
  queueUrl = await createTestQueue(createSqsClient(sqs.endpoint));
  work = await mkdtemp(join(tmpdir(), 'aws-flow-'));
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    TABLE_NAME: tableName,
    BUCKET_NAME: bucket,
    QUEUE_URL: queueUrl,
    ALLOWED_ORIGINS: 'https://layers.example.org',
    LAUNCH_TEMPLATE_X86_64: 'lt-0123456789abcdef0',
    LAUNCH_TEMPLATE_ARM64: 'lt-0fedcba9876543210',
    AGENT_KEY: 'agent/agent.mjs',
    PROJECT: 'layer-builder',
  });
  ec2.on(RunInstancesCommand).callsFake(async () => ({ Instances: [{ InstanceId: `i-${String(++launchCounter).padStart(17, '0')}` }] }));
  api = (await import('./lambda.js')).handler as unknown as ApiHandler;
  worker = (await import('../worker/lambda.js')).handler as unknown as WorkerHandler;
  store = createDynamoBuildStore({ client: createDocumentClient(dynamo.endpoint), tableName });
});

afterAll(async () => {
  restoreDns?.();
  ec2.restore();
  await Promise.all([dynamo?.stop(), s3?.stop(), sqs?.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const result = (await api(httpApiEvent(method, path, { body: body === undefined ? undefined : JSON.stringify(body) }), lambdaContext)) as {
    statusCode: number;
    body: string;
    headers: Record<string, string>;
  };
  return { status: result.statusCode, body: JSON.parse(result.body || 'null') as Record<string, unknown>, headers: result.headers };
}

async function receiveAll(): Promise<Array<{ MessageId?: string; Body?: string }>> {
  const client = createSqsClient(sqs.endpoint);
  const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return Messages;
}

function runInstancesCalls(): RunInstancesCommandInput[] {
  return ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
}

const report = (architecture: 'x86_64' | 'arm64'): ArchReport => ({
  architecture,
  python_version: '3.13',
  strategy_used: 'wheels',
  platform_tags: [],
  packages: [{ name: 'requests', version: '2.32.4', size: 1000 }],
  unzipped_size: 1000,
  zipped_size: 500,
  largest_packages: [],
  removed_packages: [],
  warnings: [],
});

describe('the AWS flow through the Lambda handlers', () => {
  it('queues, launches one Spot builder per architecture, and serves presigned downloads when done', async () => {
    ec2.resetHistory();
    const requirements = 'requests==2.32.4\nnumpy ; python_version >= "3.12"  # $(curl evil) `id` \'quoted\'\n';
    const submitted = await call('POST', '/builds', { requirements, python_version: '3.13', architectures: ['x86_64', 'arm64'], single_file: true });
    expect(submitted.status).toBe(202);
    const id = submitted.body.build_id as string;
    expect(submitted.body).toMatchObject({ status: 'QUEUED', expires_at: expect.any(Number) });
    expect((await store.get(id))?.request.requirements).toBe(requirements);

    const messages = await receiveAll();
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([{ build_id: id }]);
    const response = await worker(sqsEvent(sqsRecord(messages[0]!.Body!, messages[0]!.MessageId)), lambdaContext);
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await store.get(id))?.status).toBe('PROCESSING');

    const launches = runInstancesCalls();
    expect(launches.map((l) => l.LaunchTemplate?.LaunchTemplateId).sort()).toEqual(['lt-0123456789abcdef0', 'lt-0fedcba9876543210']);
    for (const launch of launches) {
      expect(launch.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } });
      expect(launch.InstanceInitiatedShutdownBehavior).toBe('terminate');
      const tags = Object.fromEntries(launch.TagSpecifications!.find((t) => t.ResourceType === 'instance')!.Tags!.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({ BuildId: id, Project: 'layer-builder' });
      const userData = Buffer.from(launch.UserData!, 'base64').toString('utf8');
      expect(userData).toContain(id);
      expect(userData).not.toContain('requests');
      expect(userData).not.toContain('curl evil');
    }

    // A builder finishes each architecture: files in S3, completion through the store.
    const artifacts = createS3ArtifactStore({ client: createS3Client(s3.endpoint), bucket });
    const hashes: Record<string, string> = {};
    for (const [arch, machine] of [['x86_64', 'x86_64'], ['arm64', 'aarch64']] as const) {
      const filename = `combined-python3.13-${machine}.zip`;
      const bytes = Buffer.from(`zip bytes for ${arch}`);
      const path = join(work, filename);
      await writeFile(path, bytes);
      const key = `builds/${id}/${filename}`;
      await artifacts.putFile(key, path, 'application/zip');
      hashes[filename] = createHash('sha256').update(bytes).digest('hex');
      await store.startArchitecture(id, arch, new Date());
      const record = await store.completeArchitecture(id, arch, { files: [{ filename, key, architecture: arch, size: bytes.length, sha256: hashes[filename]! }], report: report(arch) }, new Date());
      expect(record.status).toBe(arch === 'x86_64' ? 'PROCESSING' : 'COMPLETED');
    }

    const finished = await call('GET', `/builds/${id}`);
    expect(finished.status).toBe(200);
    expect(finished.body.status).toBe('COMPLETED');
    const files = finished.body.files as Array<{ filename: string; download_url: string; sha256: string }>;
    expect(files.map((f) => f.filename).sort()).toEqual(['combined-python3.13-aarch64.zip', 'combined-python3.13-x86_64.zip']);
    for (const file of files) {
      expect(file.download_url).toContain('X-Amz-Signature=');
      const download = await fetch(file.download_url);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${file.filename}"`);
      expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(hashes[file.filename]);
    }
  });

  it('launches once per architecture when the same message arrives 20 times at once', async () => {
    ec2.resetHistory();
    const submitted = await call('POST', '/builds', { requirements: 'orjson\n', python_version: '3.12', architectures: ['x86_64', 'arm64'] });
    const id = submitted.body.build_id as string;
    const [message] = await receiveAll();
    const deliveries = Array.from({ length: 20 }, (_, i) => worker(sqsEvent(sqsRecord(message!.Body!, `dup-${i}`)), lambdaContext));
    const responses = await Promise.all(deliveries);
    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const launches = runInstancesCalls();
    expect(launches).toHaveLength(2);
    expect(launches.map((l) => l.TagSpecifications![0]!.Tags!.find((t) => t.Key === 'Architecture')!.Value).sort()).toEqual(['arm64', 'x86_64']);
    expect((await store.get(id))?.status).toBe('PROCESSING');
  });

  it('answers CORS preflight for the configured origin through API Gateway', async () => {
    const result = (await api(
      httpApiEvent('OPTIONS', '/builds', { headers: { origin: 'https://layers.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } }),
      lambdaContext,
    )) as { statusCode: number; headers: Record<string, string> };
    expect(result.statusCode).toBe(204);
    expect(result.headers['access-control-allow-origin']).toBe('https://layers.example.org');
  });

  it('refuses a bad request with line details, stores and queues nothing', async () => {
    const before = (await receiveAll()).length;
    const refused = await call('POST', '/builds', { requirements: 'requests\n-r other.txt\n', python_version: '3.13' });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual([{ line: 2, field: 'requirements', message: expect.stringContaining('another requirements file') }]);
    expect((await receiveAll()).length).toBe(before);
    expect((await call('GET', '/builds/not-a-build')).status).toBe(404);
  });

  it('refuses 10,000 lines and never lets requirement text reach user data', async () => {
    ec2.resetHistory();
    const huge = Array.from({ length: 10_000 }, (_, i) => `pkg${i}`).join('\n');
    const refused = await call('POST', '/builds', { requirements: huge, python_version: '3.13' });
    expect(refused.status).toBe(400);
    const heredoc = await call('POST', '/builds', { requirements: 'requests\ncat <<EOF\nEOF\n', python_version: '3.13' });
    expect(heredoc.status).toBe(400);
    expect((heredoc.body.details as Array<{ line: number }>).map((d) => d.line)).toEqual([2]);
    const tricky = 'requests  # \'; rm -rf / ; echo "\n# <<EOF\n# EOF\nurllib3 ; sys_platform == "linux" # $(id) `uname` ${HOME}\n';
    const accepted = await call('POST', '/builds', { requirements: tricky, python_version: '3.13' });
    expect(accepted.status).toBe(202);
    const id = accepted.body.build_id as string;
    expect((await store.get(id))?.request.requirements).toBe(tricky);
    const [message] = await receiveAll();
    await worker(sqsEvent(sqsRecord(message!.Body!, message!.MessageId)), lambdaContext);
    const userData = Buffer.from(runInstancesCalls()[0]!.UserData!, 'base64').toString('utf8');
    for (const fragment of ['rm -rf', '<<EOF', '$(id)', '`uname`', 'urllib3', 'requests']) expect(userData).not.toContain(fragment);
  });
});
