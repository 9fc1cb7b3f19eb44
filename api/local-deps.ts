import { createDockerEngine } from '../builder/container-engine.js';
import { runArchitectureBuild } from '../builder/run-architecture-build.js';
import { createDiskArtifactStore, type DiskArtifactStore } from '../core/local/disk-artifact-store.js';
import { createFileBuildStore, type FileBuildStore } from '../core/local/file-build-store.js';
import { createFileLogStore } from '../core/local/file-log-store.js';
import { createInProcessQueue, type InProcessQueue } from '../core/local/in-process-queue.js';
import { createLocalLauncher } from '../core/local/local-launcher.js';
import type { Architecture } from '../core/runtime-catalog.js';
import { processBuild } from '../worker/process-build.js';
import type { AppDeps } from './app.js';
import type { LocalConfig } from './local-config.js';
import { localPaths } from './local-housekeeping.js';

export interface LocalDeps extends AppDeps {
  store: FileBuildStore;
  artifacts: DiskArtifactStore;
  queue: InProcessQueue;
}

/**
 * Local mode's adapters: records, files and logs under the data dir, an in-process
 * queue whose handler does what the SQS worker does (claim, launch per architecture)
 * and waits for the builds, so the queue's concurrency bounds the builds running here.
 */
export function createLocalDeps(config: LocalConfig, report: AppDeps['report'] = (m, e) => console.error(m, e)): LocalDeps {
  const store = createFileBuildStore({ dir: config.dataDir });
  const paths = localPaths(config.dataDir);
  const artifacts = createDiskArtifactStore({
    dir: paths.artifacts,
    baseUrl: config.publicUrl,
    secret: config.signingSecret,
  });
  const logs = createFileLogStore({ dir: config.dataDir });
  const builder = {
    index: { indexUrl: config.LAYER_INDEX_URL, extraIndexUrls: config.LAYER_EXTRA_INDEX_URLS },
    python: config.LAYER_PYTHON,
    pipTimeoutMs: config.LAYER_PIP_TIMEOUT_MINUTES * 60_000,
    container: { engine: createDockerEngine(), imagePrefix: config.LAYER_BUILDER_IMAGE_PREFIX },
    workRoot: paths.work,
  };

  const runs = new Map<string, Array<Promise<void>>>();
  const launcher = createLocalLauncher({
    run: (buildId: string, arch: Architecture) => {
      const run = runArchitectureBuild({ store, artifacts, logs, builder }, buildId, arch);
      runs.set(buildId, [...(runs.get(buildId) ?? []), run]);
      return run;
    },
    onError: (buildId, arch, error) => report?.(`build ${buildId} ${arch} crashed`, error),
  });
  const queue = createInProcessQueue({
    concurrency: config.LAYER_CONCURRENCY,
    handle: async (buildId) => {
      await processBuild({ store, launcher }, buildId);
      await Promise.allSettled(runs.get(buildId) ?? []);
      runs.delete(buildId);
    },
    onError: (buildId, error) => report?.(`build ${buildId} failed in the queue`, error),
  });

  return {
    store,
    artifacts,
    logs,
    queue,
    report,
    config: {
      artifactTtlSeconds: config.LAYER_ARTIFACT_TTL_HOURS * 3600,
      maxActiveBuilds: config.LAYER_MAX_ACTIVE_BUILDS,
      allowedOrigins: config.LAYER_ALLOWED_ORIGINS,
      apiToken: config.LAYER_API_TOKEN,
    },
  };
}
