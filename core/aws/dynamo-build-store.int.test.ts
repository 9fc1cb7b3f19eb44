import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteTableCommand,
  ProvisionedThroughputExceededException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuildStore } from '../ports.js';
import type { BuildRecord } from '../schemas.js';
import { archResult, buildRecord, describeBuildStoreContract } from '../../test/contracts/build-store.contract.js';
import {
  createDocumentClient,
  createDynamoClient,
  createTestTable,
  startDynalite,
  type Emulator,
} from '../../test/emulators.js';
import { buildTableDefinition, createDynamoBuildStore, MAX_ITEM_BYTES, REQUEST_KEY_INDEX } from './dynamo-build-store.js';

let dynalite: Emulator;
let client: DynamoDBDocumentClient;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = createDocumentClient(dynalite.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await dynalite?.stop();
});

describeBuildStoreContract('dynamo build store on dynalite', async () => {
  const tableName = await createTestTable(client);
  return {
    store: createDynamoBuildStore({ client, tableName }),
    cleanup: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
});

describe('dynamo build store', () => {
  let tableName: string;
  let store: BuildStore;
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  beforeEach(async () => {
    tableName = await createTestTable(client);
    store = createDynamoBuildStore({ client, tableName });
  });

  const rawItem = async (buildId: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { build_id: buildId }, ConsistentRead: true }))).Item;

  /** A store as another Lambda invocation would have it: its own client and connections. */
  function separateStore(): { store: BuildStore; client: DynamoDBDocumentClient } {
    const own = createDocumentClient(dynalite.endpoint);
    return { store: createDynamoBuildStore({ client: own, tableName }), client: own };
  }

  async function created(overrides?: Parameters<typeof buildRecord>[0]): Promise<BuildRecord> {
    const record = buildRecord(overrides);
    await store.create(record);
    return record;
  }

  it('defines the table: build_id key, on-demand, by_request_key GSI on request_key and created_at', () => {
    const definition = buildTableDefinition('builds');
    expect(definition).toMatchObject({
      TableName: 'builds',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'build_id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: REQUEST_KEY_INDEX,
          KeySchema: [
            { AttributeName: 'request_key', KeyType: 'HASH' },
            { AttributeName: 'created_at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('grants exactly one of 20 claims racing from 20 separate clients, with one write', async () => {
    const record = await created();
    const racers = Array.from({ length: 20 }, separateStore);
    try {
      const results = await Promise.all(racers.map((racer) => racer.store.claim(record.build_id, at(1))));
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      for (const racer of racers) racer.client.destroy();
    }
    expect(await rawItem(record.build_id)).toMatchObject({ status: 'PROCESSING', version: 1 });
  });

  it('completes a build whose two architectures finish at once from two callers', async () => {
    const record = await created();
    const id = record.build_id;
    await store.claim(id, at(1));
    const callers = [separateStore(), separateStore()];
    const finishedAt = at(2);
    try {
      const archs = record.request.architectures;
      await Promise.all(archs.map((arch, i) => callers[i]!.store.startArchitecture(id, arch, at(1))));
      await Promise.all(
        archs.map((arch, i) => callers[i]!.store.completeArchitecture(id, arch, archResult(arch, id), finishedAt)),
      );
    } finally {
      for (const caller of callers) caller.client.destroy();
    }
    const stored = await store.get(id);
    expect(stored).toMatchObject({ status: 'COMPLETED', completed_at: finishedAt.toISOString() });
    expect(stored?.arches.x86_64?.files).toEqual(archResult('x86_64', id).files);
    expect(stored?.arches.arm64?.files).toEqual(archResult('arm64', id).files);
    // create, claim, two starts, two completions: every write landed once.
    expect(await rawItem(id)).toMatchObject({ version: 5 });
  });

  it('keeps the version out of the records it answers', async () => {
    const record = await created();
    const started = await store.startArchitecture(record.build_id, 'x86_64', at(1));
    expect(started).not.toHaveProperty('version');
    expect(await store.get(record.build_id)).not.toHaveProperty('version');
    expect(await rawItem(record.build_id)).toHaveProperty('version', 1);
  });

  it('hides a record past its expiry that TTL has not deleted yet', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const clocked = createDynamoBuildStore({ client, tableName, now: () => clock });
    const record = buildRecord({ now: clock, ttlSeconds: 60 });
    await clocked.create(record);
    expect(await clocked.get(record.build_id)).toEqual(record);
    clock = new Date('2026-01-01T00:01:00Z');
    expect(await clocked.get(record.build_id)).toBeUndefined();
    await expect(clocked.failBuild(record.build_id, 'late', clock)).rejects.toThrow(/not found/);
    expect(await rawItem(record.build_id)).toMatchObject({ status: 'QUEUED' });
  });

  it('answers no build for ids DynamoDB would refuse as keys', async () => {
    for (const id of ['', 'x'.repeat(65), 'a/b', '../x']) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.claim(id, at(1))).toBe(false);
    }
    await expect(store.create({ ...buildRecord(), build_id: '' })).rejects.toThrow(/not \[A-Za-z0-9-\]/);
  });

  describe('cache lookup through the by_request_key index', () => {
    async function completedAt(requestKey: string, createdAt: Date, ttlSeconds = 3600): Promise<BuildRecord> {
      const record = await created({ requestKey, now: createdAt, ttlSeconds, architectures: ['x86_64'] });
      await store.claim(record.build_id, at(0));
      await store.startArchitecture(record.build_id, 'x86_64', at(0));
      return store.completeArchitecture(record.build_id, 'x86_64', archResult('x86_64', record.build_id), at(0));
    }

    it('answers the newest COMPLETED build of the request key', async () => {
      const requestKey = randomUUID();
      await completedAt(requestKey, at(-30));
      const newest = await completedAt(requestKey, at(-10));
      await completedAt(requestKey, at(-20));
      await created({ requestKey, now: at(-1) });
      expect(await store.findReusable(requestKey, new Date())).toEqual(newest);
    });

    it('passes over a newer build that has expired but is still in the table', async () => {
      const requestKey = randomUUID();
      const older = await completedAt(requestKey, at(-20), 4 * 3600);
      const newer = await completedAt(requestKey, at(-10), 3600);
      expect(await store.findReusable(requestKey, new Date())).toEqual(newer);
      expect(await store.findReusable(requestKey, at(90))).toEqual(older);
    });

    it('uses the index named in the options', async () => {
      const requestKey = randomUUID();
      const done = await completedAt(requestKey, at(-5));
      const misnamed = createDynamoBuildStore({ client, tableName, requestKeyIndex: 'no_such_index' });
      await expect(misnamed.findReusable(requestKey, new Date())).rejects.toThrow(/index/i);
      const named = createDynamoBuildStore({ client, tableName, requestKeyIndex: REQUEST_KEY_INDEX });
      expect(await named.findReusable(requestKey, new Date())).toEqual(done);
    });
  });

  describe('item size', () => {
    function hugeResult(buildId: string) {
      const result = archResult('x86_64', buildId);
      const packages = Array.from({ length: 8000 }, (_, i) => ({
        name: `a-package-with-a-long-descriptive-name-${String(i).padStart(5, '0')}`,
        version: '1.2.3.post4',
        size: 123_456 + i,
      }));
      return { ...result, report: { ...result.report, packages, warnings: ['numpy: slim removed tests'] } };
    }

    it('is a record DynamoDB refuses when nothing trims it', async () => {
      const record = await created({ architectures: ['x86_64'] });
      const result = hugeResult(record.build_id);
      const untrimmed = { ...record, arches: { x86_64: { status: 'COMPLETED', files: result.files, report: result.report } } };
      await expect(client.send(new PutCommand({ TableName: tableName, Item: untrimmed }))).rejects.toThrow(/size/i);
    });

    it('trims the package list of a huge report to fit, and says so in its warnings', async () => {
      const record = await created({ architectures: ['x86_64'] });
      const id = record.build_id;
      await store.claim(id, at(1));
      const result = hugeResult(id);
      const done = await store.completeArchitecture(id, 'x86_64', result, at(2));

      expect(done.status).toBe('COMPLETED');
      const report = done.arches.x86_64?.report;
      const kept = report?.packages.length ?? 0;
      expect(kept).toBeGreaterThan(1000);
      expect(kept).toBeLessThan(8000);
      expect(report?.packages).toEqual(result.report.packages.slice(0, kept));
      expect(report?.warnings).toEqual([
        'numpy: slim removed tests',
        `package list trimmed to the first ${kept} of 8000 packages to fit the build record size limit`,
      ]);
      expect(Buffer.byteLength(JSON.stringify(done))).toBeLessThanOrEqual(MAX_ITEM_BYTES);
      expect(await store.get(id)).toEqual(done);
    });

    it('leaves a report of ordinary size whole', async () => {
      const record = await created({ architectures: ['x86_64'] });
      await store.claim(record.build_id, at(1));
      const result = archResult('x86_64', record.build_id);
      const done = await store.completeArchitecture(record.build_id, 'x86_64', result, at(2));
      expect(done.arches.x86_64?.report).toEqual(result.report);
    });
  });

  describe('when DynamoDB fails a call', () => {
    let failing: DynamoDBClient;
    let failingStore: BuildStore;
    let failure: Error | undefined;

    beforeEach(() => {
      failing = createDynamoClient(dynalite.endpoint);
      // Added before the SDK's retry step, so each failure surfaces at once.
      failing.middlewareStack.add(
        (next, context) => async (args) => {
          if (failure && /^Put(Item)?Command$/.test(context.commandName ?? '')) throw failure;
          return next(args);
        },
        { step: 'initialize', name: 'failPuts' },
      );
      failingStore = createDynamoBuildStore({ client: DynamoDBDocumentClient.from(failing), tableName });
      failure = undefined;
      return () => failing.destroy();
    });

    const throttled = () =>
      new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });

    it('surfaces a throttled create as that error and stores nothing', async () => {
      const record = buildRecord();
      failure = throttled();
      await expect(failingStore.create(record)).rejects.toBe(failure);
      expect(await rawItem(record.build_id)).toBeUndefined();
    });

    it('surfaces a throttled transition and leaves the record as it was, then applies it once calls pass', async () => {
      const record = await created();
      await store.claim(record.build_id, at(1));
      const before = await store.get(record.build_id);

      failure = throttled();
      await expect(failingStore.startArchitecture(record.build_id, 'arm64', at(2))).rejects.toBe(failure);
      expect(await store.get(record.build_id)).toEqual(before);

      failure = undefined;
      const started = await failingStore.startArchitecture(record.build_id, 'arm64', at(2));
      expect(started.arches.arm64?.status).toBe('BUILDING');
      expect(await store.get(record.build_id)).toEqual(started);
    });

    it('gives up after a bounded number of lost races instead of spinning', async () => {
      const record = await created();
      failure = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      await expect(failingStore.claim(record.build_id, at(1))).rejects.toThrow(/giving up/);
      expect(await store.get(record.build_id)).toEqual(record);
    });
  });
});
