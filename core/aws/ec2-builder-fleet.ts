import { DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { BuilderFleet, BuilderInstance } from '../ports.js';
import { ARCHITECTURES, type Architecture } from '../runtime-catalog.js';

export interface Ec2BuilderFleetOptions {
  client: EC2Client;
  /** Value of the `Project` tag the launcher puts on this deployment's builders. */
  project: string;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
const TERMINATE_BATCH = 1000;

/**
 * BuilderFleet on EC2: builders are the instances tagged `Project` (this deployment),
 * `BuildId` and `Architecture` by core/aws/spot-launcher.ts. `describe` answers undefined
 * for any other instance, and for one EC2 no longer knows (it keeps terminated instances
 * for about an hour). Needs ec2:DescribeInstances, and ec2:TerminateInstances on
 * instances tagged with the project.
 */
export function createEc2BuilderFleet(options: Ec2BuilderFleetOptions): BuilderFleet {
  const { client, project } = options;

  function builderOf(instance: Instance): BuilderInstance | undefined {
    const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value;
    const buildId = tag('BuildId');
    const arch = tag('Architecture');
    if (tag('Project') !== project || !instance.InstanceId || !buildId || !BUILD_ID.test(buildId)) return undefined;
    if (!arch || !(ARCHITECTURES as readonly string[]).includes(arch)) return undefined;
    return {
      instanceId: instance.InstanceId,
      buildId,
      arch: arch as Architecture,
      state: instance.State?.Name ?? 'unknown',
      launchedAt: instance.LaunchTime ?? new Date(0),
    };
  }

  return {
    async describe(instanceId) {
      if (!INSTANCE_ID.test(instanceId)) return undefined;
      try {
        const { Reservations = [] } = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
        const instance = Reservations.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
        return instance && builderOf(instance);
      } catch (error) {
        if (error instanceof Error && error.name.startsWith('InvalidInstanceID')) return undefined;
        throw error;
      }
    },

    async listLive() {
      const builders: BuilderInstance[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: 'tag:Project', Values: [project] },
              { Name: 'instance-state-name', Values: LIVE_STATES },
            ],
            MaxResults: 1000,
            NextToken: nextToken,
          }),
        );
        for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
          const builder = builderOf(instance);
          if (builder) builders.push(builder);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return builders;
    },

    async terminate(instanceIds) {
      for (let start = 0; start < instanceIds.length; start += TERMINATE_BATCH) {
        await client.send(new TerminateInstancesCommand({ InstanceIds: instanceIds.slice(start, start + TERMINATE_BATCH) }));
      }
    },
  };
}
