import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { isFinal } from '../core/build-record.js';
import { NotFoundError } from '../core/errors.js';
import type { BuilderFleet, BuildStore, Launcher } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { BuildRecord } from '../core/schemas.js';

/** What the user reads when the instance building their architecture died. */
export const INSTANCE_ENDED = 'builder instance ended before finishing (Spot interruption or crash)';
/** What the user reads when their build's queue message exhausted its deliveries. */
export const DEAD_LETTERED = 'the build could not be started after several attempts';

/** A finished build's instance may take this long to power itself off before the sweep ends it. */
const LEFTOVER_GRACE_MS = 5 * 60_000;
/** A builder in these states will not finish (builders terminate on shutdown; a stopped one was stopped by hand). */
const ENDED_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

export interface ReaperDeps {
  store: BuildStore;
  fleet: BuilderFleet;
  /** Set when the operator allows one more builder for an architecture whose instance died. */
  relauncher?: Launcher;
  /** The builders' time limit; their instances power off by then. */
  maxBuildMinutes: number;
  /** How much longer than the time limit a build may stay silent before the sweep fails it. */
  marginMinutes: number;
  now?: () => Date;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

export type InstanceEndedOutcome = 'not-a-builder' | 'still-running' | 'finished' | 'repeat' | 'relaunched' | 'failed';

export type ReaperResult =
  | SQSBatchResponse
  | { handled: 'instance-state'; instanceId: string; outcome: InstanceEndedOutcome }
  | { handled: 'sweep'; failed: string[]; terminated: string[] }
  | { handled: 'ignored' };

const messageSchema = z.object({ build_id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });

const stateChangeSchema = z.object({
  source: z.literal('aws.ec2'),
  'detail-type': z.literal('EC2 Instance State-change Notification'),
  detail: z.object({ 'instance-id': z.string(), state: z.string() }),
});

const scheduledSchema = z.object({ 'detail-type': z.literal('Scheduled Event') });

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown }).Records;
  return Array.isArray(records) && records.every((record) => (record as { eventSource?: unknown }).eventSource === 'aws:sqs');
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The reaper Lambda: no build stays PROCESSING (or QUEUED) forever. One handler for three
 * event sources, told apart by the event's shape:
 * - EventBridge "EC2 Instance State-change Notification" (shutting-down, terminated,
 *   stopping, stopped) of a builder (tags Project, BuildId, Architecture): an architecture
 *   not yet finished is failed with INSTANCE_ENDED, or, when the operator allows, gets one
 *   more builder (at most once per architecture; the second end fails it);
 * - an EventBridge "Scheduled Event": the sweep fails builds silent for longer than the
 *   time limit plus the margin, and terminates builders that outlived their build, the
 *   time limit, or their build's record;
 * - SQS records from the build queue's dead-letter queue: each names a build that is
 *   failed with DEAD_LETTERED; only records whose store write threw are retried.
 */
export function createReaper(deps: ReaperDeps): (event: unknown) => Promise<ReaperResult> {
  const log = deps.log ?? ((message, details) => console.log(message, details ?? ''));
  return async (event) => {
    if (isSqsEvent(event)) return failDeadLettered(deps, event, log);
    const stateChange = stateChangeSchema.safeParse(event);
    if (stateChange.success) {
      const { 'instance-id': instanceId, state } = stateChange.data.detail;
      const outcome = ENDED_STATES.has(state) ? await handleInstanceEnded(deps, instanceId, log) : 'still-running';
      return { handled: 'instance-state', instanceId, outcome };
    }
    if (scheduledSchema.safeParse(event).success) return { handled: 'sweep', ...(await sweep(deps, log)) };
    log('ignoring an event the reaper does not handle', { event: JSON.stringify(event).slice(0, 300) });
    return { handled: 'ignored' };
  };
}

async function handleInstanceEnded(
  deps: ReaperDeps,
  instanceId: string,
  log: NonNullable<ReaperDeps['log']>,
): Promise<InstanceEndedOutcome> {
  const now = deps.now ?? (() => new Date());
  const builder = await deps.fleet.describe(instanceId);
  if (!builder) return 'not-a-builder';
  const { buildId, arch } = builder;
  const record = await deps.store.get(buildId);
  if (!record || !isUnfinished(record, arch)) return 'finished';

  if (deps.relauncher) {
    const grant = await deps.store.grantRetry(buildId, arch, instanceId, now());
    if (grant === 'repeat') return 'repeat';
    if (grant === 'final') return 'finished';
    if (grant === 'granted') {
      try {
        await deps.relauncher.launch(buildId, arch);
        log('builder instance ended before finishing; launched another', { buildId, arch, instanceId });
        return 'relaunched';
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await deps.store.failArchitecture(buildId, arch, `${INSTANCE_ENDED}; a second builder could not start: ${reason}`, now());
        log('builder instance ended before finishing; another could not start', { buildId, arch, instanceId, error: describeError(error) });
        return 'failed';
      }
    }
  }
  await deps.store.failArchitecture(buildId, arch, INSTANCE_ENDED, now());
  log('builder instance ended before finishing; architecture failed', { buildId, arch, instanceId });
  return 'failed';
}

function isUnfinished(record: BuildRecord, arch: Architecture): boolean {
  const status = record.arches[arch]?.status;
  return !isFinal(record) && (status === 'QUEUED' || status === 'BUILDING');
}

async function sweep(deps: ReaperDeps, log: NonNullable<ReaperDeps['log']>): Promise<{ failed: string[]; terminated: string[] }> {
  const now = (deps.now ?? (() => new Date()))();
  const silentLimitMs = (deps.maxBuildMinutes + deps.marginMinutes) * 60_000;
  const silentMinutes = deps.maxBuildMinutes + deps.marginMinutes;

  const failed: string[] = [];
  for (const record of await deps.store.listUnfinished()) {
    if (now.getTime() - Date.parse(record.updated_at) <= silentLimitMs) continue;
    if (record.status === 'QUEUED') {
      await deps.store.failBuild(record.build_id, `the build was never started (it waited ${silentMinutes} minutes); please submit it again`, now);
    } else {
      for (const arch of record.request.architectures) {
        if (!isUnfinished(record, arch)) continue;
        await deps.store.failArchitecture(
          record.build_id,
          arch,
          `the builder did not finish within the ${deps.maxBuildMinutes}-minute time limit and has not reported for ${silentMinutes} minutes; please submit the build again`,
          now,
        );
      }
    }
    failed.push(record.build_id);
    log('stuck build failed', { buildId: record.build_id, status: record.status, updatedAt: record.updated_at });
  }

  const records = new Map<string, BuildRecord | undefined>();
  const leftovers: string[] = [];
  for (const builder of await deps.fleet.listLive()) {
    if (!records.has(builder.buildId)) records.set(builder.buildId, await deps.store.get(builder.buildId));
    const record = records.get(builder.buildId);
    const overdue = now.getTime() - builder.launchedAt.getTime() > silentLimitMs;
    const state = record?.arches[builder.arch];
    const finishedAt = state?.finished_at ?? record?.completed_at;
    const settled = !record || (!isUnfinished(record, builder.arch) && (!finishedAt || now.getTime() - Date.parse(finishedAt) > LEFTOVER_GRACE_MS));
    if (overdue || settled) leftovers.push(builder.instanceId);
  }
  if (leftovers.length > 0) {
    await deps.fleet.terminate(leftovers);
    log('leftover builder instances terminated', { instanceIds: leftovers });
  }
  return { failed, terminated: leftovers };
}

async function failDeadLettered(deps: ReaperDeps, event: SQSEvent, log: NonNullable<ReaperDeps['log']>): Promise<SQSBatchResponse> {
  const now = deps.now ?? (() => new Date());
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    let buildId: string;
    try {
      buildId = messageSchema.parse(JSON.parse(record.body)).build_id;
    } catch {
      log('dropping a dead letter that names no build', { messageId: record.messageId, body: record.body.slice(0, 200) });
      continue;
    }
    try {
      await deps.store.failBuild(buildId, DEAD_LETTERED, now());
      log('dead-lettered build failed', { messageId: record.messageId, buildId });
    } catch (error) {
      if (error instanceof NotFoundError) continue;
      log('could not fail a dead-lettered build; SQS will deliver it again', { messageId: record.messageId, buildId, error: describeError(error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
