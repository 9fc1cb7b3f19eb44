import { beforeAll, describe, expect, it } from 'vitest';
import { parseAwsApiConfig } from '../api/aws-config.js';
import { parseReaperConfig } from '../worker/reaper-config.js';
import { parseWorkerConfig } from '../worker/worker-config.js';
import {
  asList,
  functionAccess,
  roleStatements,
  statementsOf,
  isSecret,
  REGION,
  runProgram,
  stackConfig,
  unsecret,
  type ProgramRun,
} from './testing/program-mocks.js';
import { wildcardGrants } from './testing/posture.js';

const TOKEN = 'a-token-of-enough-length-0123456789';
const key = (name: string) => `lambda-layer-builder:${name}`;

/** A stack that sets every option away from its default. */
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram(
    {
      ...stackConfig(),
      [key('apiToken')]: TOKEN,
      [key('allowOnDemand')]: 'true',
      [key('retryInterrupted')]: 'true',
      [key('allowedOrigins')]: '["https://me.github.io"]',
      [key('artifactTtlHours')]: '48',
      [key('instanceTypesX86_64')]: '["c7i.2xlarge", "m7i.2xlarge"]',
      [key('instanceTypesArm64')]: '["c8g.2xlarge"]',
      [key('volumeSizeGb')]: '100',
      [key('maxBuildMinutes')]: '45',
      [key('reaperScheduleMinutes')]: '1',
      [key('builderImagePrefix')]: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/sam',
      [key('indexUrl')]: 'https://pypi.internal.example/simple',
      [key('logRetentionDays')]: '30',
      [key('apiThrottleRateLimit')]: '2.5',
      [key('apiThrottleBurstLimit')]: '5',
    },
    [key('apiToken')],
  );
});

const fn = (role: 'api' | 'worker' | 'reaper') => functionAccess(run, `layer-builder-prod-${role}`).fn;

describe('a stack with every option set', () => {
  it('hands the API its token as a secret, so the state never holds it in plain text', () => {
    const environment = fn('api').inputs.environment;
    expect(isSecret(environment) || isSecret(environment.variables?.API_TOKEN)).toBe(true);
    const config = parseAwsApiConfig({ AWS_REGION: REGION, ...unsecret(environment).variables });
    expect(config.app.apiToken).toBe(TOKEN);
    expect(run.outputs.apiTokenRequired).toBe(true);
  });

  it('allows only the configured origin, on the API and on the bucket', () => {
    expect(run.one('aws:apigatewayv2/api:Api', 'api').inputs.corsConfiguration.allowOrigins).toEqual(['https://me.github.io']);
    const [rule] = run.ofType('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration')[0]!.inputs.corsRules;
    expect(rule.allowedOrigins).toEqual(['https://me.github.io']);
    expect(unsecret(fn('api').inputs.environment).variables.ALLOWED_ORIGINS).toBe('https://me.github.io');
  });

  it('keeps zips and logs for the TTL rounded up to whole days', () => {
    const rules = run.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration')[0]!.inputs.rules;
    expect(rules.filter((r: any) => r.expiration).map((r: any) => r.expiration.days)).toEqual([2, 2]);
    expect(unsecret(fn('api').inputs.environment).variables.ARTIFACT_TTL_HOURS).toBe('48');
  });

  it('sizes the builders and passes the launch settings to the worker', () => {
    const x86 = run.one('aws:ec2/launchTemplate:LaunchTemplate', 'builders-x86_64').inputs;
    expect(x86.instanceType).toBe('c7i.2xlarge');
    expect(x86.blockDeviceMappings[0].ebs.volumeSize).toBe(100);
    const config = parseWorkerConfig({ AWS_REGION: REGION, ...fn('worker').inputs.environment.variables });
    expect(config).toMatchObject({
      allowOnDemand: true,
      maxBuildMinutes: 45,
      instanceTypes: { x86_64: ['c7i.2xlarge', 'm7i.2xlarge'], arm64: ['c8g.2xlarge'] },
      index: { indexUrl: 'https://pypi.internal.example/simple', extraIndexUrls: [] },
      builderImagePrefix: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/sam',
    });
  });

  it('lets builders pull the build images from the private ECR registry of the prefix, and only from its repositories', () => {
    const statements = roleStatements(run, run.one('aws:iam/role:Role', 'builders-role'));
    expect(statements.filter((s) => asList(s.Action).some((a) => a.startsWith('ecr:')))).toEqual([
      { Sid: 'LogInToImageRegistry', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'PullBuildImages',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: ['arn:aws:ecr:eu-central-1:123456789012:repository/sam/*'],
      },
    ]);
    // Resource "*" only where AWS offers nothing narrower
    const everything = run
      .ofType('aws:iam/rolePolicy:RolePolicy')
      .flatMap((p) => statementsOf(p.inputs.policy))
      .filter((s) => asList(s.Resource).includes('*'));
    expect(everything.flatMap((s) => asList(s.Action)).sort()).toEqual(['ec2:DescribeInstances', 'ecr:GetAuthorizationToken']);
  });

  it('throttles and keeps logs as configured', () => {
    const stage = run.one('aws:apigatewayv2/stage:Stage', 'api-default-stage');
    expect(stage.inputs.defaultRouteSettings).toEqual({ throttlingRateLimit: 2.5, throttlingBurstLimit: 5 });
    for (const group of run.ofType('aws:cloudwatch/logGroup:LogGroup')) expect(group.inputs.retentionInDays).toBe(30);
    expect(run.one('aws:cloudwatch/eventRule:EventRule', 'reaper-sweep').inputs.scheduleExpression).toBe('rate(1 minute)');
  });

  it('with retries on, lets the reaper launch exactly as the worker does, and no more', () => {
    const reaper = functionAccess(run, 'layer-builder-prod-reaper');
    const worker = functionAccess(run, 'layer-builder-prod-worker');
    const config = parseReaperConfig({ AWS_REGION: REGION, ...reaper.fn.inputs.environment.variables });
    expect(config.retry).toEqual(parseWorkerConfig({ AWS_REGION: REGION, ...worker.fn.inputs.environment.variables }));
    const launching = (statements: typeof reaper.statements) =>
      statements.filter((s) => asList(s.Action).some((a) => a.startsWith('ec2:RunInstances') || a.startsWith('ec2:CreateTags') || a.startsWith('iam:')));
    expect(launching(reaper.statements)).toEqual(launching(worker.statements));
    expect(wildcardGrants(run.resources)).toEqual([]);
  });
});
