import { beforeAll, describe, expect, it } from 'vitest';
import { parseAwsApiConfig } from '../api/aws-config.js';
import { BUILD_TABLE_TTL_ATTRIBUTE, buildTableDefinition } from '../core/aws/dynamo-build-store.js';
import { parseReaperConfig } from '../worker/reaper-config.js';
import { parseWorkerConfig } from '../worker/worker-config.js';
import { WORKER_TIMEOUT_SECONDS } from './config.js';
import { AL2023_AMI_PARAMETERS } from './fleet.js';
import { bundle, contentHash } from './lambda-code.js';
import { REAPER_TIMEOUT_SECONDS } from './reaper.js';
import {
  archiveFiles,
  functionAccess,
  REGION,
  runProgram,
  stackConfig,
  type ProgramRun,
  type Registered,
} from './testing/program-mocks.js';

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram(stackConfig());
});

const FUNCTION = 'aws:lambda/function:Function';
const fn = (role: 'api' | 'worker' | 'reaper') => functionAccess(run, `layer-builder-prod-${role}`).fn;
const envOf = (f: Registered) => f.inputs.environment.variables as Record<string, string>;
/** What the Lambda runtime adds to every function's environment. */
const LAMBDA_RUNTIME_ENV = { AWS_REGION: REGION };

describe('network', () => {
  it('is an awsx VPC of public subnets only, without NAT gateways, over two zones', () => {
    const vpc = run.one('awsx:ec2:Vpc', 'network-vpc');
    expect(vpc.inputs).toMatchObject({
      numberOfAvailabilityZones: 2,
      subnetStrategy: 'Auto',
      subnetSpecs: [{ type: 'Public', cidrMask: 20 }],
      natGateways: { strategy: 'None' },
    });
  });

  it("starts builders with a public address in one of the VPC's public subnets, in the fleet's security group", () => {
    const vpc = run.one('awsx:ec2:Vpc', 'network-vpc');
    const group = run.one('aws:ec2/securityGroup:SecurityGroup', 'builders-sg');
    expect(group.inputs.vpcId).toBe(vpc.state.vpcId);
    for (const template of run.ofType('aws:ec2/launchTemplate:LaunchTemplate')) {
      const [nic, ...others] = template.inputs.networkInterfaces;
      expect(others).toEqual([]);
      expect(vpc.state.publicSubnetIds).toContain(nic.subnetId);
      expect(nic).toMatchObject({ deviceIndex: 0, associatePublicIpAddress: 'true', securityGroups: [group.id] });
    }
  });
});

describe('data', () => {
  it('creates the build table exactly as the DynamoDB store defines it, with TTL on expires_at', () => {
    const table = run.one('aws:dynamodb/table:Table', 'data-builds').inputs;
    const definition = buildTableDefinition('any');
    expect(table.billingMode).toBe(definition.BillingMode);
    expect(table.billingMode).toBe('PAY_PER_REQUEST');
    expect([{ AttributeName: table.hashKey, KeyType: 'HASH' }]).toEqual(definition.KeySchema);
    expect(table.rangeKey).toBeUndefined();
    expect(table.attributes.map((a: { name: string; type: string }) => ({ AttributeName: a.name, AttributeType: a.type }))).toEqual(definition.AttributeDefinitions);
    expect(
      table.globalSecondaryIndexes.map((index: any) => ({
        IndexName: index.name,
        KeySchema: index.keySchemas.map((key: any) => ({ AttributeName: key.attributeName, KeyType: key.keyType })),
        Projection: { ProjectionType: index.projectionType },
      })),
    ).toEqual(definition.GlobalSecondaryIndexes);
    // and in plain words, should the definition ever be emptied by mistake
    expect(table.hashKey).toBe('build_id');
    expect(table.globalSecondaryIndexes).toEqual([
      { name: 'by_request_key', keySchemas: [{ attributeName: 'request_key', keyType: 'HASH' }, { attributeName: 'created_at', keyType: 'RANGE' }], projectionType: 'ALL' },
    ]);
    expect(table.ttl).toEqual({ attributeName: BUILD_TABLE_TTL_ATTRIBUTE, enabled: true });
    expect(BUILD_TABLE_TTL_ATTRIBUTE).toBe('expires_at');
  });

  it('encrypts the bucket, owns its objects, expires zips and logs after the TTL, keeps the agent, aborts stale uploads', () => {
    const bucket = run.one('aws:s3/bucket:Bucket', 'data-artifacts');
    const settingsOf = (type: string) => run.ofType(type).filter((r) => r.inputs.bucket === bucket.id);
    expect(settingsOf('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration')[0]!.inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true },
    ]);
    expect(settingsOf('aws:s3/bucketOwnershipControls:BucketOwnershipControls')[0]!.inputs.rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
    const rules = settingsOf('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration')[0]!.inputs.rules;
    expect(rules).toEqual([
      { id: 'expire-build-zips', status: 'Enabled', filter: { prefix: 'builds/' }, expiration: { days: 1 } },
      { id: 'expire-build-logs', status: 'Enabled', filter: { prefix: 'logs/' }, expiration: { days: 1 } },
      { id: 'abort-stale-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
    ]);
    const [cors] = settingsOf('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration')[0]!.inputs.corsRules;
    expect(cors).toMatchObject({ allowedMethods: ['GET', 'HEAD'], allowedOrigins: ['*'] });
  });
});

describe('queue', () => {
  it('moves a message to the dead-letter queue after 3 receives, and hides it longer than the worker runs', () => {
    const queue = run.one('aws:sqs/queue:Queue', 'build-queue');
    const deadLetters = run.one('aws:sqs/queue:Queue', 'build-queue-dead-letters');
    expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({ deadLetterTargetArn: deadLetters.state.arn, maxReceiveCount: 3 });
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(360);
    expect(queue.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(fn('worker').inputs.timeout);
    expect(fn('worker').inputs.timeout).toBe(WORKER_TIMEOUT_SECONDS);
    expect(deadLetters.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(REAPER_TIMEOUT_SECONDS);
    expect(deadLetters.inputs.messageRetentionSeconds).toBeGreaterThan(queue.inputs.messageRetentionSeconds);
    for (const q of [queue, deadLetters]) expect(q.inputs.sqsManagedSseEnabled).toBe(true);
    const allow = run.one('aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', 'build-queue-dead-letters-source');
    expect(allow.inputs.queueUrl).toBe(deadLetters.state.url);
    expect(JSON.parse(allow.inputs.redriveAllowPolicy)).toEqual({ redrivePermission: 'byQueue', sourceQueueArns: [queue.state.arn] });
  });
});

describe('api', () => {
  it('is an HTTP API whose $default route sends every request to the one API function (payload 2.0)', () => {
    const api = run.one('aws:apigatewayv2/api:Api', 'api');
    expect(api.inputs.protocolType).toBe('HTTP');
    const routes = run.ofType('aws:apigatewayv2/route:Route');
    expect(routes.map((r) => r.inputs.routeKey)).toEqual(['$default']);
    const integration = run.one('aws:apigatewayv2/integration:Integration', 'api-lambda');
    expect(routes[0]!.inputs.target).toBe(`integrations/${integration.id}`);
    expect(integration.inputs).toMatchObject({ apiId: api.id, integrationType: 'AWS_PROXY', integrationUri: fn('api').state.arn, payloadFormatVersion: '2.0' });
    const permission = run.one('aws:lambda/permission:Permission', 'api-invoke');
    expect(permission.inputs).toMatchObject({ function: fn('api').state.name, principal: 'apigateway.amazonaws.com', sourceArn: `${api.state.executionArn}/*/*` });
  });

  it('takes CORS origins from the configuration', () => {
    expect(run.one('aws:apigatewayv2/api:Api', 'api').inputs.corsConfiguration).toMatchObject({
      allowOrigins: ['*'],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type'],
    });
  });

  it('serves on the $default stage, throttled to 10 rps with bursts of 20, with JSON access logs kept 14 days', () => {
    const stage = run.one('aws:apigatewayv2/stage:Stage', 'api-default-stage');
    expect(stage.inputs).toMatchObject({ name: '$default', autoDeploy: true, defaultRouteSettings: { throttlingRateLimit: 10, throttlingBurstLimit: 20 } });
    const logs = run.one('aws:cloudwatch/logGroup:LogGroup', 'api-access-logs');
    expect(stage.inputs.accessLogSettings.destinationArn).toBe(logs.state.arn);
    expect(logs.inputs.retentionInDays).toBe(14);
    const format = JSON.parse(stage.inputs.accessLogSettings.format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
  });

  it("gives the API function the environment its own config parser accepts, pointing at this stack's table, bucket and queue", () => {
    const env = envOf(fn('api'));
    const config = parseAwsApiConfig({ ...LAMBDA_RUNTIME_ENV, ...env });
    expect(config.tableName).toBe(run.one('aws:dynamodb/table:Table', 'data-builds').state.name);
    expect(config.bucketName).toBe(run.one('aws:s3/bucket:Bucket', 'data-artifacts').state.bucket);
    expect(config.queueUrl).toBe(run.one('aws:sqs/queue:Queue', 'build-queue').state.url);
    expect(config.app).toEqual({ artifactTtlSeconds: 24 * 3600, maxActiveBuilds: 10, allowedOrigins: ['*'], apiToken: undefined });
    expect(env).not.toHaveProperty('API_TOKEN');
  });
});

describe('worker and reaper', () => {
  it('triggers the worker from the build queue, reporting failures per message', () => {
    const mapping = run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'worker-trigger');
    expect(mapping.inputs).toMatchObject({
      eventSourceArn: run.one('aws:sqs/queue:Queue', 'build-queue').state.arn,
      functionName: fn('worker').state.arn,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("gives the worker the environment its config parser accepts: this stack's templates, types, agent and settings", () => {
    const config = parseWorkerConfig({ ...LAMBDA_RUNTIME_ENV, ...envOf(fn('worker')) });
    const templates = Object.fromEntries(
      run.ofType('aws:ec2/launchTemplate:LaunchTemplate').map((t) => [t.name.replace('builders-', ''), { id: t.id }]),
    );
    expect(config.launchTemplates).toEqual(templates);
    expect(config.instanceTypes).toEqual({ x86_64: ['c5.xlarge', 'c6i.xlarge', 'm5.xlarge'], arm64: ['c7g.xlarge', 'c6g.xlarge', 'm7g.xlarge'] });
    expect(config.agentKey).toBe(run.one('aws:s3/bucketObjectv2:BucketObjectv2', 'builders-agent').inputs.key);
    expect(config).toMatchObject({
      tableName: run.one('aws:dynamodb/table:Table', 'data-builds').state.name,
      bucketName: run.one('aws:s3/bucket:Bucket', 'data-artifacts').state.bucket,
      allowOnDemand: false,
      maxBuildMinutes: 30,
      project: 'lambda-layer-builder-prod',
      index: { indexUrl: 'https://pypi.org/simple', extraIndexUrls: [] },
      builderImagePrefix: 'public.ecr.aws/sam',
    });
  });

  it('sends EC2 state changes of ending instances and a sweep every 5 minutes to the reaper', () => {
    const reaper = fn('reaper');
    const stateRule = run.one('aws:cloudwatch/eventRule:EventRule', 'reaper-builder-ended');
    expect(JSON.parse(stateRule.inputs.eventPattern)).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['shutting-down', 'terminated', 'stopping', 'stopped'] },
    });
    const sweep = run.one('aws:cloudwatch/eventRule:EventRule', 'reaper-sweep');
    expect(sweep.inputs.scheduleExpression).toBe('rate(5 minutes)');
    for (const rule of [stateRule, sweep]) {
      const targets = run.ofType('aws:cloudwatch/eventTarget:EventTarget').filter((t) => t.inputs.rule === rule.state.name);
      expect(targets.map((t) => t.inputs.arn)).toEqual([reaper.state.arn]);
      const permissions = run.ofType('aws:lambda/permission:Permission').filter((p) => p.inputs.sourceArn === rule.state.arn);
      expect(permissions.map((p) => [p.inputs.function, p.inputs.principal])).toEqual([[reaper.state.name, 'events.amazonaws.com']]);
    }
  });

  it('drains the dead-letter queue into the reaper, reporting failures per message', () => {
    const mapping = run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'reaper-dead-letters');
    expect(mapping.inputs).toMatchObject({
      eventSourceArn: run.one('aws:sqs/queue:Queue', 'build-queue-dead-letters').state.arn,
      functionName: fn('reaper').state.arn,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives the reaper the environment its config parser accepts, without launch settings while retries are off', () => {
    const env = envOf(fn('reaper'));
    const config = parseReaperConfig({ ...LAMBDA_RUNTIME_ENV, ...env });
    expect(config).toMatchObject({ tableName: run.one('aws:dynamodb/table:Table', 'data-builds').state.name, project: 'lambda-layer-builder-prod', maxBuildMinutes: 30, retry: undefined });
    expect(env).not.toHaveProperty('LAUNCH_TEMPLATE_X86_64');
  });
});

describe('Lambda functions', () => {
  const entries = { api: 'api/lambda.ts', worker: 'worker/lambda.ts', reaper: 'worker/reaper-lambda.ts' } as const;

  it('are exactly the API, the worker and the reaper', () => {
    expect(run.ofType(FUNCTION).map((f) => f.inputs.name).sort()).toEqual(['layer-builder-prod-api', 'layer-builder-prod-reaper', 'layer-builder-prod-worker']);
  });

  it.each(Object.entries(entries))('%s: Node.js 22 on arm64, code bundled by the program from %s into index.mjs', async (role, entry) => {
    const f = fn(role as keyof typeof entries);
    expect(f.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' });
    const files = await archiveFiles(f.inputs.code);
    expect(Object.keys(files)).toEqual(['index.mjs']);
    expect(files['index.mjs']).toBe((await bundle(entry)).code);
    // the AWS SDK comes from the runtime
    expect(files['index.mjs']).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
  });

  it('each log to their own log group, kept 14 days', () => {
    for (const f of run.ofType(FUNCTION)) {
      const group = run.ofType('aws:cloudwatch/logGroup:LogGroup').find((g) => g.state.name === f.inputs.loggingConfig.logGroup);
      expect(group?.inputs).toEqual({ name: `/aws/lambda/${f.inputs.name}`, retentionInDays: 14 });
    }
  });
});

describe('builder fleet', () => {
  it('launches each architecture from the latest Amazon Linux 2023 image, read from its SSM public parameter', () => {
    const lookups = run.invocations.filter((i) => i.token === 'aws:ssm/getParameter:getParameter');
    for (const arch of ['x86_64', 'arm64'] as const) {
      const lookup = lookups.find((i) => i.inputs.name === AL2023_AMI_PARAMETERS[arch]);
      expect(lookup, arch).toBeDefined();
      const template = run.one('aws:ec2/launchTemplate:LaunchTemplate', `builders-${arch}`);
      expect(template.inputs.imageId).toBe(lookup!.result.value);
      expect(template.inputs.instanceType).toBe(arch === 'x86_64' ? 'c5.xlarge' : 'c7g.xlarge');
      expect(template.inputs.blockDeviceMappings).toEqual([
        { deviceName: '/dev/xvda', ebs: { volumeSize: 50, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
      ]);
    }
    expect(AL2023_AMI_PARAMETERS.arm64).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  });

  it('runs builders with the instance profile of the builder role, which only EC2 may assume', () => {
    const role = run.one('aws:iam/role:Role', 'builders-role');
    const profile = run.one('aws:iam/instanceProfile:InstanceProfile', 'builders-profile');
    expect(profile.inputs.role).toBe(role.state.name);
    for (const template of run.ofType('aws:ec2/launchTemplate:LaunchTemplate')) expect(template.inputs.iamInstanceProfile).toEqual({ arn: profile.state.arn });
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
      { Sid: 'AssumedBy', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ]);
  });

  it('stores the agent, bundled by the program with the AWS SDK, in the bucket under a key named by its content', async () => {
    const agent = run.one('aws:s3/bucketObjectv2:BucketObjectv2', 'builders-agent');
    const code = (await bundle('builder/agent.ts', { includeAwsSdk: true })).code;
    expect(agent.inputs.bucket).toBe(run.one('aws:s3/bucket:Bucket', 'data-artifacts').id);
    expect(agent.inputs.key).toBe(`agent/agent-${contentHash(code)}.mjs`);
    expect(await agent.inputs.source.text).toBe(code);
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
  });
});

describe('outputs', () => {
  it('give the API URL, the bucket and table names, and what the site needs', () => {
    expect(run.outputs).toMatchObject({
      apiUrl: run.one('aws:apigatewayv2/api:Api', 'api').state.apiEndpoint,
      allowedOrigins: ['*'],
      apiTokenRequired: false,
      bucketName: run.one('aws:s3/bucket:Bucket', 'data-artifacts').state.bucket,
      tableName: run.one('aws:dynamodb/table:Table', 'data-builds').state.name,
    });
    expect(run.outputs.apiUrl).toMatch(/^https:\/\/\w+\.execute-api\.eu-central-1\.amazonaws\.com$/);
  });
});
