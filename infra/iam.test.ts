import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  asList,
  functionAccess,
  REGION,
  roleStatements,
  runProgram,
  stackConfig,
  statementsOf,
  type ProgramRun,
  type Statement,
} from './testing/program-mocks.js';

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram(stackConfig());
});

const access = (role: 'api' | 'worker' | 'reaper') => functionAccess(run, `layer-builder-prod-${role}`);
const actionsOf = (statements: Statement[]) => [...new Set(statements.flatMap((s) => asList(s.Action)))].sort();
const withAction = (statements: Statement[], action: string) => statements.filter((s) => asList(s.Action).includes(action));
const ec2Arn = (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`;

function fleetFacts() {
  const templates = run.ofType('aws:ec2/launchTemplate:LaunchTemplate');
  return {
    templateArns: templates.map((t) => ec2Arn(`launch-template/${t.id}`)),
    builderRoleArn: run.one('aws:iam/role:Role', 'builders-role').state.arn as string,
    bucketArn: run.one('aws:s3/bucket:Bucket', 'data-artifacts').state.arn as string,
    tableArn: run.one('aws:dynamodb/table:Table', 'data-builds').state.arn as string,
  };
}

describe('one role per function', () => {
  it('gives each function a role of its own, which only Lambda may assume', () => {
    const roles = (['api', 'worker', 'reaper'] as const).map((r) => access(r).role);
    expect(new Set(roles.map((r) => r.id)).size).toBe(3);
    for (const role of roles) {
      expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
        { Sid: 'AssumedBy', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['sts:AssumeRole'] },
      ]);
    }
    expect(run.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
  });

  it('lets each function write only to its own log group', () => {
    for (const role of ['api', 'worker', 'reaper'] as const) {
      const { fn, statements } = access(role);
      const group = run.ofType('aws:cloudwatch/logGroup:LogGroup').find((g) => g.state.name === fn.inputs.loggingConfig.logGroup)!;
      const logs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([{ Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${group.state.arn}:*`] }]);
    }
  });

  it('never allows every resource, except DescribeInstances, which has no resource-level permissions', () => {
    const everything = run
      .ofType('aws:iam/rolePolicy:RolePolicy')
      .flatMap((p) => statementsOf(p.inputs.policy))
      .filter((s) => asList(s.Resource).includes('*'));
    expect(everything.map((s) => [s.Sid, s.Action])).toEqual([['DescribeBuilders', ['ec2:DescribeInstances']]]);
  });
});

describe('the API function', () => {
  it('may read and write builds, queue them, read zips and logs, and nothing else', () => {
    const { statements } = access('api');
    const { bucketArn, tableArn } = fleetFacts();
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      'sqs:GetQueueAttributes',
      'sqs:SendMessage',
    ]);
    expect(withAction(statements, 'dynamodb:Query')[0]!.Resource).toEqual([tableArn, `${tableArn}/index/by_request_key`]);
    expect(withAction(statements, 's3:GetObject')[0]!.Resource).toEqual([`${bucketArn}/builds/*`, `${bucketArn}/logs/*`]);
    expect(withAction(statements, 'sqs:SendMessage')[0]!.Resource).toEqual([run.one('aws:sqs/queue:Queue', 'build-queue').state.arn]);
  });

  it('may not launch instances, pass roles, or write to S3', () => {
    const actions = actionsOf(access('api').statements);
    expect(actions.filter((a) => a.startsWith('ec2:') || a.startsWith('iam:') || a === 's3:PutObject')).toEqual([]);
  });
});

describe('the worker function', () => {
  it('may claim builds, consume the build queue and launch builders, and nothing else', () => {
    expect(actionsOf(access('worker').statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'ec2:CreateTags',
      'ec2:RunInstances',
      'iam:CreateServiceLinkedRole',
      'iam:PassRole',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
  });

  it('runs instances only from the two builder launch templates', () => {
    const { templateArns } = fleetFacts();
    const runs = withAction(access('worker').statements, 'ec2:RunInstances');
    expect(runs.length).toBeGreaterThan(0);
    for (const statement of runs) {
      const resources = asList(statement.Resource);
      expect(resources).not.toContain('*');
      const onTemplatesOnly = resources.every((r) => templateArns.includes(r));
      const conditioned = JSON.stringify(statement.Condition?.ArnEquals?.['ec2:LaunchTemplate']) === JSON.stringify(templateArns);
      expect(onTemplatesOnly || conditioned, statement.Sid).toBe(true);
    }
    expect(runs.find((s) => s.Sid === 'UseBuilderLaunchTemplates')?.Resource).toEqual(templateArns);
  });

  it("creates instances and volumes only tagged with this stack's Project, and tags nothing after launch", () => {
    const statements = access('worker').statements;
    const creating = withAction(statements, 'ec2:RunInstances').filter((s) => asList(s.Resource).some((r) => /:(instance|volume)\//.test(r)));
    expect(creating).toHaveLength(1);
    expect(creating[0]!.Resource).toEqual([ec2Arn('instance/*'), ec2Arn('volume/*')]);
    expect(creating[0]!.Condition?.StringEquals).toEqual({ 'aws:RequestTag/Project': 'lambda-layer-builder-prod' });
    const tagging = withAction(statements, 'ec2:CreateTags');
    expect(tagging).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } })]);
  });

  it("starts builders only in the builders' subnet and security group, from the images of the templates", () => {
    const network = access('worker').statements.find((s) => s.Sid === 'StartInBuilderNetwork')!;
    const group = run.one('aws:ec2/securityGroup:SecurityGroup', 'builders-sg');
    const subnet = run.one('aws:ec2/launchTemplate:LaunchTemplate', 'builders-x86_64').inputs.networkInterfaces[0].subnetId;
    const images = run.ofType('aws:ec2/launchTemplate:LaunchTemplate').map((t) => `arn:aws:ec2:${REGION}::image/${t.inputs.imageId}`);
    expect(network.Resource).toEqual([
      ec2Arn(`subnet/${subnet}`),
      ec2Arn(`security-group/${group.id}`),
      ec2Arn('network-interface/*'),
      ec2Arn('spot-instances-request/*'),
      ...images,
      `arn:aws:ec2:${REGION}::snapshot/*`,
    ]);
  });

  it('handles the Spot service-linked role: it may create that role and no other', () => {
    const [statement, ...others] = withAction(access('worker').statements, 'iam:CreateServiceLinkedRole');
    expect(others).toEqual([]);
    expect(statement).toMatchObject({
      Resource: [`arn:aws:iam::${ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`],
      Condition: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } },
    });
  });
});

describe('iam:PassRole', () => {
  it('is granted only to the worker, only for the builder role, only to EC2', () => {
    const { builderRoleArn } = fleetFacts();
    const grants = run.ofType('aws:iam/rolePolicy:RolePolicy').flatMap((policy) =>
      withAction(statementsOf(policy.inputs.policy), 'iam:PassRole').map((statement) => ({ policy: policy.name, statement })),
    );
    expect(grants.map((g) => g.policy)).toEqual(['worker-handler-policy']);
    expect(grants[0]!.statement.Resource).toEqual([builderRoleArn]);
    expect(grants[0]!.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });
});

describe('the reaper function', () => {
  it('may read, fail and scan builds, describe instances, end only its own builders, drain dead letters — and launch nothing while retries are off', () => {
    const { statements } = access('reaper');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'ec2:DescribeInstances',
      'ec2:TerminateInstances',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
    expect(withAction(statements, 'ec2:TerminateInstances')).toEqual([
      expect.objectContaining({ Resource: [ec2Arn('instance/*')], Condition: { StringEquals: { 'aws:ResourceTag/Project': 'lambda-layer-builder-prod' } } }),
    ]);
    expect(withAction(statements, 'sqs:ReceiveMessage')[0]!.Resource).toEqual([run.one('aws:sqs/queue:Queue', 'build-queue-dead-letters').state.arn]);
  });
});

describe('the builder instance role', () => {
  it('may read the agent, write only under builds/ and logs/, and only get and put build items', () => {
    const { bucketArn, tableArn } = fleetFacts();
    const statements = roleStatements(run, run.one('aws:iam/role:Role', 'builders-role'));
    expect(statements).toEqual([
      { Sid: 'ReadAgentBundle', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${bucketArn}/agent/*`] },
      { Sid: 'WriteZipsAndLogs', Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`${bucketArn}/builds/*`, `${bucketArn}/logs/*`] },
      { Sid: 'ReadAndUpdateBuilds', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [tableArn] },
    ]);
  });
});
