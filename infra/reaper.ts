import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { arn, type AwsContext } from './iam.js';
import { NodeLambda } from './node-lambda.js';
import { launchEnvironment, type LaunchSettings } from './worker.js';

export const REAPER_ENTRY = 'worker/reaper-lambda.ts';
/** Within the dead-letter queue's visibility timeout (infra/queue.ts), as SQS requires. */
export const REAPER_TIMEOUT_SECONDS = 60;

/** EC2 states in which a builder has ended, or is ending, without its agent's say. */
export const ENDED_STATES = ['shutting-down', 'terminated', 'stopping', 'stopped'] as const;

export interface ReaperArgs extends LaunchSettings {
  context: AwsContext;
  /** Let an architecture whose builder died get one more (the reaper then launches like the worker). */
  retryInterrupted: boolean;
  namePrefix: string;
  deadLetterQueue: aws.sqs.Queue;
  scheduleMinutes: number;
  logRetentionDays: number;
}

/**
 * Keeps builds from staying PROCESSING forever. One Lambda, three sources: EC2's
 * instance state-change events (a builder that ended before its agent recorded the end:
 * Spot interruption, crash, watchdog), a schedule that sweeps unfinished builds and
 * overdue builders, and the build queue's dead-letter queue (messages the worker could
 * not handle are marked FAILED). It may read and write build records (and scan them for
 * the sweep), describe instances, terminate only this deployment's builders and consume
 * the dead-letter queue; only when retries are on may it start builders, as the fleet
 * allows the worker to.
 */
export class Reaper extends pulumi.ComponentResource {
  readonly handler: NodeLambda;

  constructor(name: string, args: ReaperArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:worker:Reaper', name, {}, opts);
    this.handler = new NodeLambda(
      `${name}-handler`,
      {
        functionName: `${args.namePrefix}-reaper`,
        description: 'Fails builds whose builders ended early, sweeps overdue builds, drains dead letters',
        entry: REAPER_ENTRY,
        // worker/reaper-config.ts; with retries on, also the worker's launch settings.
        environment: {
          ...(args.retryInterrupted ? launchEnvironment(args) : {}),
          TABLE_NAME: args.table.name,
          PROJECT: args.project,
          MAX_BUILD_MINUTES: String(args.settings.maxBuildMinutes),
          RETRY_INTERRUPTED: String(args.retryInterrupted),
        },
        timeoutSeconds: REAPER_TIMEOUT_SECONDS,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            Sid: 'ReadAndFailBuilds',
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
            Resource: [args.table.arn],
          },
          // DescribeInstances has no resource-level permissions: AWS requires Resource "*".
          { Sid: 'DescribeBuilders', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: ['*'] },
          {
            Sid: 'TerminateOwnBuilders',
            Effect: 'Allow',
            Action: ['ec2:TerminateInstances'],
            Resource: [arn(args.context, 'ec2', 'instance/*')],
            Condition: { StringEquals: { 'aws:ResourceTag/Project': args.project } },
          },
          {
            Sid: 'ConsumeDeadLetters',
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: [args.deadLetterQueue.arn],
          },
          ...(args.retryInterrupted ? args.fleet.launchStatements() : []),
        ],
      },
      { parent: this },
    );
    const fn = this.handler.function;

    const stateChanges = new aws.cloudwatch.EventRule(
      `${name}-builder-ended`,
      {
        description: `${args.namePrefix}: EC2 instances ending (the reaper keeps only its own builders)`,
        eventPattern: JSON.stringify({
          source: ['aws.ec2'],
          'detail-type': ['EC2 Instance State-change Notification'],
          detail: { state: [...ENDED_STATES] },
        }),
      },
      { parent: this },
    );
    const sweep = new aws.cloudwatch.EventRule(
      `${name}-sweep`,
      {
        description: `${args.namePrefix}: sweep unfinished builds and overdue builders`,
        scheduleExpression: args.scheduleMinutes === 1 ? 'rate(1 minute)' : `rate(${args.scheduleMinutes} minutes)`,
      },
      { parent: this },
    );
    for (const [ruleName, rule] of [
      ['builder-ended', stateChanges],
      ['sweep', sweep],
    ] as const) {
      new aws.cloudwatch.EventTarget(`${name}-${ruleName}-target`, { rule: rule.name, arn: fn.arn }, { parent: this });
      new aws.lambda.Permission(
        `${name}-${ruleName}-invoke`,
        { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn },
        { parent: this },
      );
    }
    new aws.lambda.EventSourceMapping(
      `${name}-dead-letters`,
      {
        eventSourceArn: args.deadLetterQueue.arn,
        functionName: fn.arn,
        batchSize: 10,
        functionResponseTypes: ['ReportBatchItemFailures'],
      },
      { parent: this },
    );
    this.registerOutputs({ functionName: fn.name });
  }
}
