import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Settings } from './config.js';
import { WORKER_TIMEOUT_SECONDS } from './config.js';
import type { BuilderFleet } from './fleet.js';
import { NodeLambda } from './node-lambda.js';

export const WORKER_ENTRY = 'worker/lambda.ts';

/** What a function that starts builders needs to know: the launch settings and the agent's. */
export interface LaunchSettings {
  table: aws.dynamodb.Table;
  bucket: aws.s3.Bucket;
  fleet: BuilderFleet;
  /** Value of the `Project` tag on builders. */
  project: string;
  settings: Pick<Settings, 'instanceTypes' | 'allowOnDemand' | 'maxBuildMinutes' | 'indexUrl' | 'extraIndexUrls' | 'builderImagePrefix'>;
}

/**
 * The environment of a function that launches builders (worker/worker-config.ts reads it):
 * the table and bucket, each architecture's launch template and instance types, the
 * agent's key in the bucket, and what the user data hands the agent.
 */
export function launchEnvironment(launch: LaunchSettings): Record<string, pulumi.Input<string>> {
  const { settings, fleet } = launch;
  return {
    TABLE_NAME: launch.table.name,
    BUCKET_NAME: launch.bucket.bucket,
    LAUNCH_TEMPLATE_X86_64: fleet.launchTemplates.x86_64.id,
    LAUNCH_TEMPLATE_ARM64: fleet.launchTemplates.arm64.id,
    INSTANCE_TYPES_X86_64: settings.instanceTypes.x86_64.join(','),
    INSTANCE_TYPES_ARM64: settings.instanceTypes.arm64.join(','),
    ALLOW_ON_DEMAND: String(settings.allowOnDemand),
    AGENT_KEY: fleet.agentObject.key,
    MAX_BUILD_MINUTES: String(settings.maxBuildMinutes),
    PROJECT: launch.project,
    INDEX_URL: settings.indexUrl,
    EXTRA_INDEX_URLS: settings.extraIndexUrls.join(','),
    BUILDER_IMAGE_PREFIX: settings.builderImagePrefix,
  };
}

export interface WorkerArgs extends LaunchSettings {
  namePrefix: string;
  queue: aws.sqs.Queue;
  logRetentionDays: number;
}

/**
 * The queue's consumer: an SQS-triggered Lambda that claims each build (a conditional
 * write, so a duplicate message starts nothing) and starts one Spot builder per
 * architecture. It reports failures per message (`ReportBatchItemFailures`), so one bad
 * build does not redeliver the others. It may read and write build records, consume the
 * build queue and start builders as the fleet allows; nothing else.
 */
export class Worker extends pulumi.ComponentResource {
  readonly handler: NodeLambda;

  constructor(name: string, args: WorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:worker:Worker', name, {}, opts);
    this.handler = new NodeLambda(
      `${name}-handler`,
      {
        functionName: `${args.namePrefix}-worker`,
        description: 'Claims queued builds and starts their Spot builders',
        entry: WORKER_ENTRY,
        environment: launchEnvironment(args),
        timeoutSeconds: WORKER_TIMEOUT_SECONDS,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        statements: [
          { Sid: 'ClaimBuilds', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [args.table.arn] },
          {
            Sid: 'ConsumeBuildQueue',
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: [args.queue.arn],
          },
          ...args.fleet.launchStatements(),
        ],
      },
      { parent: this },
    );
    new aws.lambda.EventSourceMapping(
      `${name}-trigger`,
      {
        eventSourceArn: args.queue.arn,
        functionName: this.handler.function.arn,
        batchSize: 5,
        functionResponseTypes: ['ReportBatchItemFailures'],
        // Launches are bursts of EC2 calls: a few at once is plenty and keeps the account's
        // RunInstances rate well under its limits.
        scalingConfig: { maximumConcurrency: 2 },
      },
      { parent: this },
    );
    this.registerOutputs({ functionName: this.handler.function.name });
  }
}
