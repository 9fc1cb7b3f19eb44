import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqsClient, createTestQueue, startFauxqs, type Emulator } from '../../test/emulators.js';
import { createSqsBuildQueue } from './sqs-build-queue.js';

let fauxqs: Emulator;
let client: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  client = createSqsClient(fauxqs.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await fauxqs?.stop();
});

describe('SQS build queue on fauxqs', () => {
  let queueUrl: string;

  beforeEach(async () => {
    queueUrl = await createTestQueue(client);
  });

  it('sends only the build id as the message body', async () => {
    const id = randomUUID();
    await createSqsBuildQueue({ client, queueUrl }).send(id);
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((message) => message.Body)).toEqual([JSON.stringify({ build_id: id })]);
  });

  it('counts waiting, in-flight and delayed messages as active', async () => {
    const queue = createSqsBuildQueue({ client, queueUrl });
    expect(await queue.activeCount()).toBe(0);
    await queue.send(randomUUID());
    await queue.send(randomUUID());
    await queue.send(randomUUID());
    expect(await queue.activeCount()).toBe(3);

    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    expect(Messages).toHaveLength(1);
    expect(await queue.activeCount()).toBe(3);

    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}', DelaySeconds: 60 }));
    expect(await queue.activeCount()).toBe(4);
  });

  it('fails open when the depth cannot be read: undefined, and the error reported', async () => {
    const onDepthError = vi.fn();
    const queue = createSqsBuildQueue({
      client,
      queueUrl: `${fauxqs.endpoint}/000000000000/no-such-queue-${randomUUID()}`,
      onDepthError,
    });
    expect(await queue.activeCount()).toBeUndefined();
    expect(onDepthError).toHaveBeenCalledOnce();
    expect(onDepthError.mock.calls[0]?.[0]).toMatchObject({ name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/) });
  });

  it('propagates a failed send', async () => {
    const queue = createSqsBuildQueue({ client, queueUrl: `${fauxqs.endpoint}/000000000000/no-such-queue` });
    await expect(queue.send(randomUUID())).rejects.toThrow();
  });
});

describe('SQS build queue depth answers', () => {
  it('fails open when an attribute is missing from the answer', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' },
    });
    const onDepthError = vi.fn();
    const queue = createSqsBuildQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://sqs/q', onDepthError });
    try {
      expect(await queue.activeCount()).toBeUndefined();
      expect(String(onDepthError.mock.calls[0]?.[0])).toContain('ApproximateNumberOfMessagesDelayed');
    } finally {
      sqs.restore();
    }
  });
});
