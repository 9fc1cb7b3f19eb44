import { RunInstancesCommand, type EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { Launcher } from '../ports.js';
import type { Architecture } from '../runtime-catalog.js';

export interface SpotLauncherOptions {
  client: EC2Client;
  /** The builder's launch template per architecture (AMI, profile, network, IMDSv2, disks). */
  launchTemplates: Record<Architecture, { id?: string; name?: string }>;
  /** Instance types per architecture, tried in order when one has no capacity. */
  instanceTypes: Record<Architecture, readonly string[]>;
  /** After every Spot attempt failed for capacity, try the same types On-Demand. */
  allowOnDemand: boolean;
  /** The instance's user data: identifiers and settings only, never request text. */
  userData: (buildId: string, arch: Architecture) => string;
  /** Value of the `Project` tag on instances and volumes. */
  project: string;
  log?: (message: string, details?: Record<string, unknown>) => void;
  /**
   * Mixed into the RunInstances client tokens. A second builder for the same build and
   * architecture (a granted retry) needs other tokens than the first, or EC2 answers
   * with the first, ended instance and starts nothing.
   */
  clientTokenSalt?: string;
}

/** A builder could not be started; the message is meant for the person who asked for the build. */
export class LaunchError extends Error {
  override name = 'LaunchError';
}

/** EC2 error codes that say "not this type, not now": the next type or market may work. */
const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded',
  'Unsupported',
  'UnfulfillableCapacity',
]);
/** Account limits that bind Spot separately from On-Demand. */
const SPOT_LIMIT_CODES = new Set(['InstanceLimitExceeded', 'VcpuLimitExceeded']);

interface Attempt {
  instanceType: string;
  spot: boolean;
}

/**
 * Launcher that starts one EC2 instance per architecture from that architecture's launch
 * template: Spot one-time, terminated on interruption and on shutdown, tagged BuildId,
 * Architecture and Project on the instance and its volumes. Capacity errors move on to
 * the next instance type, then (only when allowed) to the same types On-Demand; any other
 * error stops at once. Each attempt has its own client token, so an SDK retry of one
 * attempt never starts a second instance. Failures are `LaunchError`s that name the AWS
 * error code and nothing from the account.
 */
export function createSpotLauncher(options: SpotLauncherOptions): Launcher {
  const log = options.log ?? (() => {});

  function input(buildId: string, arch: Architecture, attempt: Attempt, index: number): RunInstancesCommandInput {
    const template = options.launchTemplates[arch];
    const tags = [
      { Key: 'BuildId', Value: buildId },
      { Key: 'Architecture', Value: arch },
      { Key: 'Project', Value: options.project },
    ];
    return {
      MinCount: 1,
      MaxCount: 1,
      LaunchTemplate: template.id ? { LaunchTemplateId: template.id, Version: '$Latest' } : { LaunchTemplateName: template.name, Version: '$Latest' },
      InstanceType: attempt.instanceType as RunInstancesCommandInput['InstanceType'],
      ...(attempt.spot && {
        InstanceMarketOptions: {
          MarketType: 'spot',
          SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
        },
      }),
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      UserData: Buffer.from(options.userData(buildId, arch), 'utf8').toString('base64'),
      ClientToken: clientToken(buildId, arch, index, options.clientTokenSalt),
    };
  }

  return {
    async launch(buildId, arch) {
      const template = options.launchTemplates[arch];
      if (!template.id && !template.name) throw new LaunchError(`no launch template is configured for ${arch} builders`);
      const types = options.instanceTypes[arch];
      if (types.length === 0) throw new LaunchError(`no instance types are configured for ${arch} builders`);
      const attempts: Attempt[] = [
        ...types.map((instanceType) => ({ instanceType, spot: true })),
        ...(options.allowOnDemand ? types.map((instanceType) => ({ instanceType, spot: false })) : []),
      ];

      const refusals: Array<Attempt & { code: string }> = [];
      for (const [index, attempt] of attempts.entries()) {
        const market = attempt.spot ? 'spot' : 'on-demand';
        try {
          const result = await options.client.send(new RunInstancesCommand(input(buildId, arch, attempt, index)));
          log('builder launched', { buildId, arch, instanceType: attempt.instanceType, market, instanceId: result.Instances?.[0]?.InstanceId });
          return;
        } catch (error) {
          const code = errorCode(error);
          const detail = error instanceof Error ? error.message : String(error);
          if (!isCapacityError(code, attempt.spot)) {
            log('builder launch refused', { buildId, arch, instanceType: attempt.instanceType, market, code, detail });
            throw new LaunchError(`EC2 did not start the ${arch} builder (${code})`, { cause: error });
          }
          log('no capacity for builder', { buildId, arch, instanceType: attempt.instanceType, market, code, detail });
          refusals.push({ ...attempt, code });
        }
      }
      throw new LaunchError(noCapacityMessage(arch, refusals, options.allowOnDemand));
    },
  };
}

function isCapacityError(code: string, spot: boolean): boolean {
  return CAPACITY_CODES.has(code) || (spot && SPOT_LIMIT_CODES.has(code));
}

/** SDK v3 puts EC2's error code in `name`; anything else is named by its class. */
function errorCode(error: unknown): string {
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

/** At most 64 ASCII characters, EC2's limit, stable for one build, architecture and attempt. */
function clientToken(buildId: string, arch: Architecture, attempt: number, salt = ''): string {
  return createHash('sha256').update(`${buildId}\n${arch}\n${attempt}${salt ? `\n${salt}` : ''}`).digest('hex');
}

function noCapacityMessage(arch: Architecture, refusals: Array<Attempt & { code: string }>, onDemand: boolean): string {
  const codes = new Set(refusals.map((r) => r.code));
  const label = (r: Attempt) => (onDemand ? `${r.instanceType} ${r.spot ? 'Spot' : 'On-Demand'}` : r.instanceType);
  const tried =
    codes.size === 1
      ? `${refusals.map(label).join(', ')}: ${[...codes][0]}`
      : refusals.map((r) => `${label(r)}: ${r.code}`).join(', ');
  const markets = onDemand ? 'Spot or On-Demand' : 'Spot';
  return `no ${markets} capacity for ${arch} builders right now (tried ${tried}); try again in a few minutes`;
}
