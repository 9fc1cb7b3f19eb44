import type { EC2Client } from '@aws-sdk/client-ec2';
import { createSpotLauncher } from '../core/aws/spot-launcher.js';
import type { Launcher } from '../core/ports.js';
import { renderUserData } from './user-data.js';
import type { WorkerConfig } from './worker-config.js';

/**
 * The Spot launcher of builder instances with the deployment's settings and the bootstrap
 * user data: one place for the worker (first launch) and the reaper (a granted retry).
 * `retry` launches must not reuse the first launch's EC2 client tokens: EC2 would answer
 * with the first (now ended) instance and start nothing.
 */
export function createBuilderLauncher(
  config: WorkerConfig,
  client: EC2Client,
  log?: (message: string, details?: Record<string, unknown>) => void,
  opts: { retry?: boolean } = {},
): Launcher {
  return createSpotLauncher({
    client,
    clientTokenSalt: opts.retry ? 'retry' : undefined,
    launchTemplates: config.launchTemplates,
    instanceTypes: config.instanceTypes,
    allowOnDemand: config.allowOnDemand,
    project: config.project,
    userData: (buildId, arch) =>
      renderUserData({
        buildId,
        arch,
        region: config.region,
        tableName: config.tableName,
        bucket: config.bucketName,
        agentKey: config.agentKey,
        maxBuildMinutes: config.maxBuildMinutes,
        project: config.project,
        indexUrl: config.index.indexUrl,
        extraIndexUrls: [...config.index.extraIndexUrls],
        builderImagePrefix: config.builderImagePrefix,
      }),
    log,
  });
}
