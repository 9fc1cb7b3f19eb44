import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { BuildStore, Launcher } from '../core/ports.js';
import { processBuild } from './process-build.js';

export interface SqsHandlerDeps {
  store: BuildStore;
  launcher: Launcher;
  now?: () => Date;
  log?: (message: string, details?: Record<string, unknown>) => void;
  /** Records of one batch processed at the same time. */
  concurrency?: number;
}

const messageSchema = z.object({ build_id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });

/**
 * The queue worker: each message names a build to claim and launch (worker/process-build.ts).
 * Only records whose processing threw are reported in `batchItemFailures`, so SQS retries
 * those alone; a claimed build is never launched again, so a retry or a duplicate is
 * harmless. A body that is not a build message is logged and dropped: retrying it could
 * never succeed.
 */
export function createSqsHandler(deps: SqsHandlerDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const log = deps.log ?? ((message, details) => console.log(message, details ?? ''));
  const concurrency = Math.max(1, deps.concurrency ?? 4);

  async function handleRecord(record: SQSRecord): Promise<SQSBatchItemFailure | undefined> {
    const message = parseBody(record.body);
    if (!message) {
      log('dropping a queue message that names no build', { messageId: record.messageId, body: record.body.slice(0, 200) });
      return undefined;
    }
    const buildId = message.build_id;
    try {
      const outcome = await processBuild(deps, buildId);
      log(outcomeMessage[outcome], { messageId: record.messageId, buildId });
      return undefined;
    } catch (error) {
      log('build message failed; SQS will deliver it again', { messageId: record.messageId, buildId, error: describe(error) });
      return { itemIdentifier: record.messageId };
    }
  }

  return async (event) => {
    const results = await mapBounded(event.Records, concurrency, handleRecord);
    return { batchItemFailures: results.filter((failure) => failure !== undefined) };
  };
}

const outcomeMessage = {
  launched: 'build claimed and builders launched',
  duplicate: 'build already claimed; duplicate message ignored',
  missing: 'no such build (expired or never stored); message ignored',
} as const;

function parseBody(body: string): z.output<typeof messageSchema> | undefined {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** `Promise.all(items.map(fn))` with at most `limit` calls running at once; `fn` must not throw. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
