import { RunInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
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
    client: opts.retry ? withRetryClientTokens(client) : client,
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

/**
 * The client, with every RunInstances client token replaced by one derived from it for a
 * retry. The launcher derives its tokens from build, architecture and attempt, the same
 * for the first builder and the second; a retry happens at most once per architecture, so
 * one derivation keeps second launches distinct from first ones and still idempotent.
 */
function withRetryClientTokens(client: EC2Client): EC2Client {
  const send = client.send.bind(client) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof RunInstancesCommand && command.input.ClientToken) {
          command.input.ClientToken = createHash('sha256').update(`retry\n${command.input.ClientToken}`).digest('hex');
        }
        return send(command, ...rest);
      };
    },
  });
}
