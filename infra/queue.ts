import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** The dead-letter consumer (the reaper) must finish within this; SQS checks it against its timeout. */
export const DEAD_LETTER_VISIBILITY_SECONDS = 360;

export interface QueueArgs {
  /** At least the worker's timeout: a message being handled stays hidden this long. */
  visibilityTimeoutSeconds: number;
  /** Deliveries of one message before it moves to the dead-letter queue. */
  maxReceiveCount: number;
}

/**
 * The build queue and its dead-letter queue. A message the worker fails `maxReceiveCount`
 * times moves to the dead-letter queue, whose consumer (the reaper) marks its build
 * FAILED; only the build queue may send messages there. Both are encrypted by SQS.
 */
export class BuildQueue extends pulumi.ComponentResource {
  readonly queue: aws.sqs.Queue;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: QueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:queue:BuildQueue', name, {}, opts);
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dead-letters`,
      { messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true, visibilityTimeoutSeconds: DEAD_LETTER_VISIBILITY_SECONDS },
      { parent: this },
    );
    this.queue = new aws.sqs.Queue(
      name,
      {
        visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
        messageRetentionSeconds: 24 * 3600,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: args.maxReceiveCount }),
      },
      { parent: this },
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dead-letters-source`,
      {
        queueUrl: this.deadLetterQueue.url,
        redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: 'byQueue', sourceQueueArns: [this.queue.arn] }),
      },
      { parent: this },
    );
    this.registerOutputs({ queueUrl: this.queue.url, deadLetterQueueUrl: this.deadLetterQueue.url });
  }
}
