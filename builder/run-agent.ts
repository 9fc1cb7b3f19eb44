import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createS3ArtifactStore } from '../core/aws/s3-artifact-store.js';
import { createS3LogStore } from '../core/aws/s3-log-store.js';
import { isFinal } from '../core/build-record.js';
import type { AgentConfig } from './agent-config.js';
import { createDockerEngine, type ContainerEngine } from './container-engine.js';
import { createContainerImportCheck, type ImportCheck } from './import-check.js';
import { runArchitectureBuild } from './run-architecture-build.js';

/** SDK clients made once by the entry (builder/agent.ts) or by a test. */
export interface AgentClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
}

export interface AgentOptions {
  /** Runs docker for the container strategy and the import check; default the `docker` CLI. */
  engine?: ContainerEngine;
  /** Default: in the runtime's official image through `engine`. */
  importCheck?: ImportCheck;
  /** Time the build may take from now; default the configured maximum build time. */
  timeLimitMs?: number;
  /** Sees each log line (the entry prints them on the instance's console). */
  echo?: (line: string) => void;
  /** How often the log is written to S3; default 3 s. */
  logFlushMs?: number;
  workRoot?: string;
  now?: () => Date;
}

export type AgentOutcome =
  | { status: 'COMPLETED' }
  | { status: 'FAILED'; message: string }
  | { status: 'SKIPPED'; reason: string };

/**
 * What a builder instance does: reads the build record (the requirements come from there
 * only), marks its architecture BUILDING, runs the same engine as local mode with the
 * import check in the runtime's image, uploads the zips, and records COMPLETED with the
 * report, or FAILED with a reason the user can act on, the log going to S3 every few
 * seconds meanwhile. A build that is gone, finished, or does not ask for this
 * architecture is left alone. Throws only when the build store cannot be written, for
 * then nothing could be recorded (the reaper fails the build when the instance ends).
 */
export async function runAgent(config: AgentConfig, clients: AgentClients, options: AgentOptions = {}): Promise<AgentOutcome> {
  const now = options.now ?? (() => new Date());
  const store = createDynamoBuildStore({ client: clients.dynamo, tableName: config.tableName, now });
  const { buildId, arch } = config;

  const record = await store.get(buildId);
  if (!record) return { status: 'SKIPPED', reason: `build ${buildId} does not exist (expired or never stored)` };
  if (!record.request.architectures.includes(arch)) return { status: 'SKIPPED', reason: `build ${buildId} does not ask for ${arch}` };
  const state = record.arches[arch];
  if (isFinal(record) || state?.status === 'COMPLETED' || state?.status === 'FAILED') {
    return { status: 'SKIPPED', reason: `build ${buildId} is ${record.status} (${arch}: ${state?.status ?? 'unknown'})` };
  }

  const engine = options.engine ?? createDockerEngine();
  const timeLimitMs = options.timeLimitMs ?? config.maxBuildMinutes * 60_000;
  await runArchitectureBuild(
    {
      store,
      artifacts: createS3ArtifactStore({ client: clients.s3, bucket: config.bucketName, now }),
      logs: createS3LogStore({ client: clients.s3, bucket: config.bucketName }),
      builder: {
        index: config.index,
        python: config.python,
        pipTimeoutMs: timeLimitMs,
        container: { engine, imagePrefix: config.imagePrefix },
        importCheck: options.importCheck ?? createContainerImportCheck({ engine, imagePrefix: config.imagePrefix }),
        workRoot: options.workRoot,
      },
      now,
      timeLimitMs,
      host: config.instanceId ? `instance ${config.instanceId}` : undefined,
      echo: options.echo,
      logFlushMs: options.logFlushMs,
    },
    buildId,
    arch,
  );

  const after = (await store.get(buildId))?.arches[arch];
  if (after?.status === 'COMPLETED') return { status: 'COMPLETED' };
  return { status: 'FAILED', message: after?.error_message ?? `the ${arch} build did not complete` };
}
