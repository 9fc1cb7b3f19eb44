import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileBuildStore } from '../core/local/file-build-store.js';

/** Where local mode keeps what it makes, under the data dir. */
export function localPaths(dataDir: string) {
  return {
    artifacts: join(dataDir, 'artifacts'),
    /** Builder scratch space; whatever is in it at start was left by an interrupted build. */
    work: join(dataDir, 'work'),
  };
}

/**
 * Deletes builds whose lifetime is over, with their zips and logs, as the S3 lifecycle
 * rule and DynamoDB TTL do on AWS.
 */
export async function purgeExpiredBuilds(deps: { store: FileBuildStore; dataDir: string; now?: () => Date }): Promise<string[]> {
  const deleted = await deps.store.deleteExpired((deps.now ?? (() => new Date()))());
  const { artifacts } = localPaths(deps.dataDir);
  for (const id of deleted) {
    await rm(join(artifacts, 'builds', id), { recursive: true, force: true });
    await rm(join(deps.dataDir, 'logs', id), { recursive: true, force: true });
  }
  return deleted;
}

/** Empties the builder's scratch space (left over when the server was stopped mid-build). */
export async function clearWorkDir(dataDir: string): Promise<void> {
  const { work } = localPaths(dataDir);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
}
