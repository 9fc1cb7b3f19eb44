import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRecord } from '../test/contracts/build-store.contract.js';
import { LaunchError } from '../core/aws/spot-launcher.js';
import { createFileBuildStore } from '../core/local/file-build-store.js';
import type { BuildStore, Launcher } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';
import { createSqsHandler } from './sqs-handler.js';

function sqsRecord(body: string, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1767225600000',
      SenderId: 'AROAEXAMPLE:api',
      ApproximateFirstReceiveTimestamp: '1767225600001',
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:layer-builds',
    awsRegion: 'eu-west-1',
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const message = (buildId: string) => JSON.stringify({ build_id: buildId });

/** Records each launch; `fail` decides which architectures refuse to start. */
function recordingLauncher(fail: (arch: Architecture) => Error | undefined = () => undefined) {
  const launches: string[] = [];
  const launcher: Launcher = {
    async launch(buildId, arch) {
      const error = fail(arch);
      if (error) throw error;
      launches.push(`${buildId} ${arch}`);
    },
  };
  return { launcher, launches };
}

describe('SQS worker handler', () => {
  let dir: string;
  let store: BuildStore;
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqs-handler-'));
    store = createFileBuildStore({ dir });
    logs.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('claims the build and launches each architecture once', async () => {
    const record = buildRecord();
    await store.create(record);
    const { launcher, launches } = recordingLauncher();

    const response = await createSqsHandler({ store, launcher, log })(event(sqsRecord(message(record.build_id))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(launches.sort()).toEqual([`${record.build_id} arm64`, `${record.build_id} x86_64`]);
    expect((await store.get(record.build_id))?.status).toBe('PROCESSING');
  });

  it('launches nothing more when the same message comes again, in one batch or the next', async () => {
    const record = buildRecord();
    await store.create(record);
    const { launcher, launches } = recordingLauncher();
    const handler = createSqsHandler({ store, launcher, log });

    const first = await handler(event(sqsRecord(message(record.build_id)), sqsRecord(message(record.build_id))));
    const second = await handler(event(sqsRecord(message(record.build_id))));

    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(launches.sort()).toEqual([`${record.build_id} arm64`, `${record.build_id} x86_64`]);
    expect(logs.filter((line) => line.includes('duplicate'))).toHaveLength(2);
  });

  it('launches once per architecture when 20 copies are delivered at once', async () => {
    const record = buildRecord();
    await store.create(record);
    const { launcher, launches } = recordingLauncher();
    const handler = createSqsHandler({ store, launcher, log });

    const responses = await Promise.all(Array.from({ length: 20 }, () => handler(event(sqsRecord(message(record.build_id))))));

    expect(responses.flatMap((response) => response.batchItemFailures)).toEqual([]);
    expect(launches.sort()).toEqual([`${record.build_id} arm64`, `${record.build_id} x86_64`]);
  });

  it('fails an architecture whose builder could not start, with the reason, and still launches the other', async () => {
    const record = buildRecord();
    await store.create(record);
    const reason = 'no Spot capacity for arm64 builders right now (tried c7g.xlarge: InsufficientInstanceCapacity); try again in a few minutes';
    const { launcher, launches } = recordingLauncher((arch) => (arch === 'arm64' ? new LaunchError(reason) : undefined));

    const response = await createSqsHandler({ store, launcher, log })(event(sqsRecord(message(record.build_id))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(launches).toEqual([`${record.build_id} x86_64`]);
    const stored = await store.get(record.build_id);
    expect(stored?.arches.arm64).toMatchObject({ status: 'FAILED', error_message: `could not start a builder: ${reason}` });
    // The x86_64 builder still runs: the build fails when it has finished, keeping this message.
    expect(stored?.status).toBe('PROCESSING');
    expect(stored?.error_message).toBe(`arm64: could not start a builder: ${reason}`);
  });

  it('reports only the record whose store call threw, so SQS retries that one alone', async () => {
    const throttled = buildRecord();
    const fine = buildRecord();
    await store.create(throttled);
    await store.create(fine);
    const throttling: BuildStore = {
      ...store,
      get: async (buildId) => {
        if (buildId === throttled.build_id) throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
        return store.get(buildId);
      },
    };
    const { launcher, launches } = recordingLauncher();

    const response = await createSqsHandler({ store: throttling, launcher, log })(
      event(sqsRecord(message(throttled.build_id), 'msg-throttled'), sqsRecord(message(fine.build_id), 'msg-fine')),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-throttled' }] });
    expect(launches.sort()).toEqual([`${fine.build_id} arm64`, `${fine.build_id} x86_64`]);
    expect((await store.get(throttled.build_id))?.status).toBe('QUEUED');
    expect(logs).toContain('build message failed; SQS will deliver it again');
  });

  it('drops malformed bodies without reporting them, and logs each', async () => {
    const record = buildRecord();
    await store.create(record);
    const { launcher, launches } = recordingLauncher();
    const bad = ['not json', '{}', '{"build_id": 42}', '{"build_id": "../../etc/passwd"}', '{"build_id": "a b"}', `"${record.build_id}"`, ''];

    const response = await createSqsHandler({ store, launcher, log })(
      event(...bad.map((body) => sqsRecord(body)), sqsRecord(message(record.build_id))),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(launches.sort()).toEqual([`${record.build_id} arm64`, `${record.build_id} x86_64`]);
    expect(logs.filter((line) => line === 'dropping a queue message that names no build')).toHaveLength(bad.length);
  });

  it('ignores a message for a build that no longer exists', async () => {
    const { launcher, launches } = recordingLauncher();

    const response = await createSqsHandler({ store, launcher, log })(event(sqsRecord(message(randomUUID()))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(launches).toEqual([]);
  });

  it('processes at most `concurrency` records of a batch at once', async () => {
    const records = Array.from({ length: 5 }, () => buildRecord({ architectures: ['x86_64'] }));
    for (const record of records) await store.create(record);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const gated: BuildStore = {
      ...store,
      get: async (buildId) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return store.get(buildId);
      },
    };
    const { launcher, launches } = recordingLauncher();

    const done = createSqsHandler({ store: gated, launcher, log, concurrency: 2 })(event(...records.map((r) => sqsRecord(message(r.build_id)))));
    expect(gates).toHaveLength(2);
    while (launches.length < records.length) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await done).toEqual({ batchItemFailures: [] });
    expect(most).toBe(2);
  });
});
