import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as transitions from '../build-record.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { BuildStore, RetryGrant } from '../ports.js';
import type { Architecture } from '../runtime-catalog.js';
import type { BuildRecord } from '../schemas.js';

export const REQUEST_KEY_INDEX = 'by_request_key';
/** DynamoDB deletes items some time (up to ~48 h) after this Unix-seconds attribute passes. */
export const BUILD_TABLE_TTL_ATTRIBUTE = 'expires_at';
/** Items stay under this many bytes (DynamoDB's limit is 400 KB; the estimate errs high). */
export const MAX_ITEM_BYTES = 350 * 1024;

const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;
const VERSION = 'version';
/** Item attribute beside the record: architecture -> the instance whose end gave it a retry. */
const RELAUNCHES = 'relaunches';
const MAX_ATTEMPTS = 10;
const TRIMMED_WARNING = 'package list trimmed';

/**
 * The build table: partition key `build_id`, on-demand billing, and the GSI
 * `by_request_key` (`request_key`, newest `created_at` first) projecting whole records
 * for the cache lookup. TTL on `expires_at` is enabled separately (UpdateTimeToLive, or
 * the Pulumi table's `ttl`). Tests and the Pulumi program share this one definition.
 */
export function buildTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'build_id', AttributeType: 'S' },
      { AttributeName: 'request_key', AttributeType: 'S' },
      { AttributeName: 'created_at', AttributeType: 'S' },
    ],
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
  };
}

export interface DynamoBuildStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Name of the GSI on (request_key, created_at) that projects ALL attributes. */
  requestKeyIndex?: string;
  /** Clock for expiry in `get` and transitions; defaults to the system clock. */
  now?: () => Date;
}

type Relaunches = Partial<Record<Architecture, string>>;

interface Versioned {
  record: BuildRecord;
  /** Undefined for an item written without a version. */
  version: number | undefined;
  relaunches: Relaunches | undefined;
}

/**
 * BuildStore on one DynamoDB table, one item per build. Every write is a single
 * conditional PutItem of the whole record, so no half-written build can exist:
 * `create` only where no item has the id (else ConflictError), and each transition by
 * optimistic concurrency — read consistently, apply the pure transition from
 * core/build-record.ts, put back only if the item's `version` is unchanged, retry a
 * bounded number of times on a lost race. `claim` thus succeeds once however many
 * callers race. Expired records read as absent even before TTL deletes them. Records
 * are kept under MAX_ITEM_BYTES by trimming a completing architecture's package list
 * (noted in its report's warnings). DynamoDB errors other than a failed condition
 * propagate unchanged. Ids outside `[A-Za-z0-9-]{1,64}` name no build. Granted retries
 * live in the item's `relaunches` map beside the record (never in what `get` answers),
 * carried through every later write. `listUnfinished` scans the table, which TTL keeps
 * to the builds of the last artifact lifetime.
 */
export function createDynamoBuildStore(options: DynamoBuildStoreOptions): BuildStore {
  const { client, tableName } = options;
  const indexName = options.requestKeyIndex ?? REQUEST_KEY_INDEX;
  const now = options.now ?? (() => new Date());

  async function readLive(buildId: string): Promise<Versioned | undefined> {
    if (!BUILD_ID.test(buildId)) return undefined;
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { build_id: buildId }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const versioned = fromItem(Item);
    return isExpired(versioned.record, now()) ? undefined : versioned;
  }

  /** Puts `next` in place of `current` if the item is still at `current`'s version. */
  async function put(current: Versioned, next: BuildRecord, relaunches: Relaunches | undefined): Promise<boolean> {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...toItem(next), ...(relaunches && { [RELAUNCHES]: relaunches }), [VERSION]: (current.version ?? 0) + 1 },
          ...versionCondition(current.version),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Runs `attempt` on the live item until it no longer loses a race (it answers undefined
   * when `put` lost), pausing between attempts. Undefined if there is no live build.
   */
  async function untilWritten<T>(buildId: string, attempt: (current: Versioned) => Promise<T | undefined>): Promise<T | undefined> {
    for (let round = 1; ; round++) {
      const current = await readLive(buildId);
      if (!current) return undefined;
      const outcome = await attempt(current);
      if (outcome !== undefined) return outcome;
      if (round >= MAX_ATTEMPTS) throw new Error(`build ${buildId} changed under ${round} concurrent updates; giving up`);
      await jitteredPause(round);
    }
  }

  /**
   * Applies `change` until it lands on the version it was computed from. Answers the
   * stored record and whether this call wrote it, or undefined if there is no live build.
   */
  function update(
    buildId: string,
    change: (record: BuildRecord) => BuildRecord,
  ): Promise<{ record: BuildRecord; written: boolean } | undefined> {
    return untilWritten(buildId, async (current) => {
      const next = change(current.record);
      if (next === current.record) return { record: current.record, written: false };
      return (await put(current, next, current.relaunches)) ? { record: toItem(next), written: true } : undefined;
    });
  }

  async function transition(buildId: string, change: (record: BuildRecord) => BuildRecord): Promise<BuildRecord> {
    const result = await update(buildId, change);
    if (!result) throw new NotFoundError(`build ${buildId} not found`);
    return result.record;
  }

  return {
    async create(record) {
      if (!BUILD_ID.test(record.build_id)) {
        throw new Error(`build id ${JSON.stringify(record.build_id)} is not [A-Za-z0-9-]{1,64}`);
      }
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...toItem(record), [VERSION]: 0 },
            ConditionExpression: 'attribute_not_exists(build_id)',
          }),
        );
      } catch (error) {
        if (isConditionFailed(error)) throw new ConflictError(`build ${record.build_id} already exists`, { cause: error });
        throw error;
      }
    },

    async get(buildId) {
      return (await readLive(buildId))?.record;
    },

    async findReusable(requestKey, at) {
      if (requestKey === '') return undefined;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: indexName,
            KeyConditionExpression: '#key = :key',
            FilterExpression: '#status = :completed AND #expires > :now',
            ExpressionAttributeNames: { '#key': 'request_key', '#status': 'status', '#expires': 'expires_at' },
            ExpressionAttributeValues: { ':key': requestKey, ':completed': 'COMPLETED', ':now': at.getTime() / 1000 },
            ScanIndexForward: false,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { record } = fromItem(item);
          if (record.status === 'COMPLETED' && !isExpired(record, at)) return record;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return undefined;
    },

    async claim(buildId, at) {
      const result = await update(buildId, (record) => transitions.claimBuild(record, at) ?? record);
      return result?.written ?? false;
    },

    startArchitecture: (buildId, arch, at) => transition(buildId, (r) => transitions.startArchitecture(r, arch, at)),
    completeArchitecture: (buildId, arch, result, at) =>
      transition(buildId, (r) => {
        const next = transitions.completeArchitecture(r, arch, result, at);
        return next === r ? r : fitPackages(next, arch);
      }),
    failArchitecture: (buildId, arch, message, at) =>
      transition(buildId, (r) => transitions.failArchitecture(r, arch, message, at)),
    failBuild: (buildId, message, at) => transition(buildId, (r) => transitions.failBuild(r, message, at)),

    async listUnfinished() {
      const records: BuildRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        // A scan reads the whole table; records expire (TTL) after their lifetime, so it stays small.
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            FilterExpression: '#status IN (:queued, :processing) AND #expires > :now',
            ExpressionAttributeNames: { '#status': 'status', '#expires': 'expires_at' },
            ExpressionAttributeValues: { ':queued': 'QUEUED', ':processing': 'PROCESSING', ':now': now().getTime() / 1000 },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { record } = fromItem(item);
          if (!transitions.isFinal(record) && !isExpired(record, now())) records.push(record);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
    },

    async grantRetry(buildId, arch, endedInstanceId, at) {
      const grant = await untilWritten<RetryGrant>(buildId, async (current) => {
        const state = current.record.arches[arch];
        if (transitions.isFinal(current.record) || !state || state.status === 'COMPLETED' || state.status === 'FAILED') return 'final';
        const earlier = current.relaunches?.[arch];
        if (earlier !== undefined) return earlier === endedInstanceId ? 'repeat' : 'used';
        const next = { ...current.record, updated_at: at.toISOString() };
        return (await put(current, next, { ...current.relaunches, [arch]: endedInstanceId })) ? 'granted' : undefined;
      });
      return grant ?? 'final';
    },
  };
}

function versionCondition(version: number | undefined) {
  return version === undefined
    ? {
        ConditionExpression: 'attribute_exists(build_id) AND attribute_not_exists(#version)',
        ExpressionAttributeNames: { '#version': VERSION },
      }
    : {
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': VERSION },
        ExpressionAttributeValues: { ':version': version },
      };
}

/** The record as plain JSON data: no undefined values for the marshaller to trip on. */
function toItem(record: BuildRecord): BuildRecord {
  return JSON.parse(JSON.stringify(record)) as BuildRecord;
}

function fromItem(item: Record<string, unknown>): Versioned {
  const { [VERSION]: version, [RELAUNCHES]: relaunches, ...record } = item;
  return {
    record: record as unknown as BuildRecord,
    version: typeof version === 'number' ? version : undefined,
    relaunches: typeof relaunches === 'object' && relaunches !== null ? (relaunches as Relaunches) : undefined,
  };
}

function isExpired(record: BuildRecord, at: Date): boolean {
  return record.expires_at * 1000 <= at.getTime();
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function jitteredPause(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** JSON size: above what DynamoDB counts (it stores no quotes, braces or commas). */
function itemBytes(record: BuildRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + VERSION.length + 8;
}

/**
 * Keeps the record under MAX_ITEM_BYTES by shortening the package list of the
 * architecture just completed to the longest prefix that fits, and says so in its
 * report. Other fields are left whole; a record still too large is refused by DynamoDB.
 */
function fitPackages(record: BuildRecord, arch: Architecture): BuildRecord {
  const state = record.arches[arch];
  const report = state?.report;
  if (!state || !report || report.packages.length === 0 || itemBytes(record) <= MAX_ITEM_BYTES) return record;
  const total = report.packages.length;
  const withPrefix = (kept: number): BuildRecord => ({
    ...record,
    arches: {
      ...record.arches,
      [arch]: {
        ...state,
        report: {
          ...report,
          packages: report.packages.slice(0, kept),
          warnings: [
            ...report.warnings,
            `${TRIMMED_WARNING} to the first ${kept} of ${total} packages to fit the build record size limit`,
          ],
        },
      },
    },
  });
  let low = 0;
  let high = total - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (itemBytes(withPrefix(middle)) <= MAX_ITEM_BYTES) low = middle;
    else high = middle - 1;
  }
  return withPrefix(low);
}
