import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BuildQueue } from '../ports.js';

export interface SqsBuildQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Told why the queue depth could not be read; `activeCount` then answers undefined. */
  onDepthError?: (error: unknown) => void;
}

const DEPTH_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * BuildQueue on an SQS queue. A message body is `{"build_id": "<id>"}` and nothing more:
 * the worker reads the request from the build record, so request text never travels
 * through the queue. `activeCount` is the queue's approximate depth (waiting, in flight
 * and delayed messages); when it cannot be read it reports the error to `onDepthError`
 * and answers undefined, so the caller can fail open. Send errors propagate.
 */
export function createSqsBuildQueue(options: SqsBuildQueueOptions): BuildQueue {
  const { client, queueUrl } = options;

  return {
    async send(buildId) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ build_id: buildId }) }));
    },

    async activeCount() {
      try {
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...DEPTH_ATTRIBUTES] }),
        );
        let total = 0;
        for (const name of DEPTH_ATTRIBUTES) {
          const value = Number(Attributes?.[name]);
          if (Attributes?.[name] === undefined || !Number.isSafeInteger(value) || value < 0) {
            throw new Error(`queue attribute ${name} is ${JSON.stringify(Attributes?.[name])}, not a count`);
          }
          total += value;
        }
        return total;
      } catch (error) {
        options.onDepthError?.(error);
        return undefined;
      }
    },
  };
}
