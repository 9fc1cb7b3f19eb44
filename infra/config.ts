import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import type { Architecture } from '../core/runtime-catalog.js';
import { IMAGE_PREFIX_PATTERN, INDEX_URL_PATTERN } from '../worker/user-data.js';

/** The Pulumi project name (Pulumi.yaml): the namespace of every setting below. */
export const PROJECT_NAMESPACE = 'lambda-layer-builder';

/**
 * The worker Lambda's timeout. SQS refuses to trigger a function whose timeout is longer
 * than the queue's visibility timeout, so the queue setting is checked against it.
 */
export const WORKER_TIMEOUT_SECONDS = 60;

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Graviton families: a digit, then `g` (c7g, m6gd, c7gn, im4gn, x2gd; a1 is the first). */
const GRAVITON = /^(a1|[a-z]+\d+g[a-z]*)\./;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Every setting of a stack, as `pulumi config` names it, with the seed's defaults. */
export const DEFAULTS = {
  artifactTtlHours: '24',
  instanceTypesX86_64: 'c5.xlarge,c6i.xlarge,m5.xlarge',
  instanceTypesArm64: 'c7g.xlarge,c6g.xlarge,m7g.xlarge',
  volumeSizeGb: '50',
  maxBuildMinutes: '30',
  allowedOrigins: '*',
  builderImagePrefix: 'public.ecr.aws/sam',
  indexUrl: 'https://pypi.org/simple',
  extraIndexUrls: '',
  maxActiveBuilds: '10',
  apiThrottleRateLimit: '10',
  apiThrottleBurstLimit: '20',
  queueVisibilityTimeoutSeconds: String(6 * WORKER_TIMEOUT_SECONDS),
  queueMaxReceiveCount: '3',
  allowOnDemand: 'false',
  retryInterrupted: 'false',
  logRetentionDays: '14',
  reaperScheduleMinutes: '5',
} as const;

export type SettingKey = keyof typeof DEFAULTS | 'apiToken';

/** A comma-separated string, or a YAML list (which Pulumi hands the program as JSON). */
const list = (item: z.ZodType<string, string>, message: string) =>
  z
    .string()
    .transform((value, ctx) => {
      const trimmed = value.trim();
      if (!trimmed.startsWith('[')) return trimmed.split(',').map((part) => part.trim()).filter(Boolean);
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed) && parsed.every((part) => typeof part === 'string')) return parsed.map((part) => part.trim());
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `expected ${message}` });
      return z.NEVER;
    })
    .pipe(z.array(item));

const integer = (min: number, max: number) =>
  z.coerce.number({ error: `expected a whole number from ${min} to ${max}` }).int(`expected a whole number from ${min} to ${max}`).min(min, `expected a whole number from ${min} to ${max}`).max(max, `expected a whole number from ${min} to ${max}`);

const instanceTypes = (arch: Architecture) =>
  list(
    z
      .string()
      .regex(INSTANCE_TYPE, 'expected instance types such as c7g.xlarge')
      .refine((type) => GRAVITON.test(type) === (arch === 'arm64'), {
        error: (issue) => `${String(issue.input)} is ${arch === 'arm64' ? 'not a Graviton (arm64)' : 'a Graviton (arm64)'} type; the ${arch} builders need ${arch === 'arm64' ? 'arm64' : 'x86_64'} types`,
      }),
    'a list of instance types',
  ).pipe(z.array(z.string()).min(1, 'expected at least one instance type'));

// The same patterns the worker and the builder's user data check: a value they would
// refuse at run time is refused here, before anything is deployed.
const indexUrl = z
  .string()
  .max(2048)
  .regex(INDEX_URL_PATTERN, 'expected http(s) URLs of PEP 503 indexes, without credentials (user data is readable through the EC2 API)');

const schema = z.object({
  artifactTtlHours: integer(1, 24 * 7),
  instanceTypesX86_64: instanceTypes('x86_64'),
  instanceTypesArm64: instanceTypes('arm64'),
  volumeSizeGb: integer(8, 1024),
  maxBuildMinutes: integer(5, 24 * 60),
  allowedOrigins: list(
    z.string().refine((origin) => origin === '*' || ORIGIN.test(origin), 'expected * or origins such as https://example.github.io (no path)'),
    'a list of origins',
  ).pipe(z.array(z.string()).min(1, 'expected * or at least one origin')),
  builderImagePrefix: z.string().max(255).regex(IMAGE_PREFIX_PATTERN, 'expected a registry path such as public.ecr.aws/sam'),
  indexUrl,
  extraIndexUrls: list(indexUrl, 'a list of index URLs'),
  maxActiveBuilds: integer(1, 1000),
  apiThrottleRateLimit: z.coerce.number({ error: 'expected requests per second above 0' }).positive('expected requests per second above 0').max(10_000, 'expected at most 10000 requests per second'),
  apiThrottleBurstLimit: integer(1, 5000),
  queueVisibilityTimeoutSeconds: integer(WORKER_TIMEOUT_SECONDS, 12 * 3600),
  queueMaxReceiveCount: integer(1, 1000),
  allowOnDemand: z.enum(['true', 'false'], { error: 'expected true or false' }).transform((value) => value === 'true'),
  retryInterrupted: z.enum(['true', 'false'], { error: 'expected true or false' }).transform((value) => value === 'true'),
  logRetentionDays: z.coerce
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), `expected one of ${LOG_RETENTION_DAYS.join(', ')}`),
  reaperScheduleMinutes: integer(1, 60),
  apiToken: z.string().regex(/^[\x21-\x7e]{16,512}$/, 'expected 16 to 512 visible ASCII characters').optional(),
});

/** A stack's settings, checked: what index.ts hands the components. */
export interface Settings {
  readonly region: string;
  readonly artifactTtlHours: number;
  readonly instanceTypes: Readonly<Record<Architecture, readonly string[]>>;
  readonly volumeSizeGb: number;
  readonly maxBuildMinutes: number;
  readonly allowedOrigins: readonly string[];
  readonly builderImagePrefix: string;
  readonly indexUrl: string;
  readonly extraIndexUrls: readonly string[];
  readonly maxActiveBuilds: number;
  readonly apiThrottle: Readonly<{ rateLimit: number; burstLimit: number }>;
  readonly queue: Readonly<{ visibilityTimeoutSeconds: number; maxReceiveCount: number }>;
  readonly allowOnDemand: boolean;
  /** An architecture whose builder died (Spot interruption) gets one more builder from the reaper. */
  readonly retryInterrupted: boolean;
  readonly logRetentionDays: number;
  readonly reaperScheduleMinutes: number;
  /** The optional bearer token of the API; a secret, never in plain state. */
  readonly apiToken: pulumi.Output<string> | undefined;
}

/** Reads one raw setting: `pulumi config get <namespace>:<key>`, undefined when unset. */
export type SettingSource = (key: string) => string | undefined;

/**
 * Checks a stack's settings once, with the seed's defaults for unset keys. A bad value
 * throws, naming each bad key as `pulumi config` does (`lambda-layer-builder:volumeSizeGb`)
 * with what it expected. `aws:region` is read for the same check: every ARN and the AMI
 * lookup depend on it.
 */
export function parseSettings(project: SettingSource, awsRegion: string | undefined): Settings {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) raw[key] = project(key) ?? DEFAULTS[key];
  const token = project('apiToken');
  raw.apiToken = token === '' ? undefined : token;

  const problems: string[] = [];
  if (awsRegion === undefined || !REGION.test(awsRegion)) {
    problems.push(`aws:region: expected a region such as eu-central-1 (set it with pulumi config set aws:region eu-central-1)`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${PROJECT_NAMESPACE}:${String(issue.path[0])}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) throw new Error(`bad stack configuration: ${problems.join('; ')}`);

  const v = parsed.data;
  return Object.freeze({
    region: awsRegion!,
    artifactTtlHours: v.artifactTtlHours,
    instanceTypes: Object.freeze({ x86_64: Object.freeze(v.instanceTypesX86_64), arm64: Object.freeze(v.instanceTypesArm64) }),
    volumeSizeGb: v.volumeSizeGb,
    maxBuildMinutes: v.maxBuildMinutes,
    allowedOrigins: Object.freeze(v.allowedOrigins),
    builderImagePrefix: v.builderImagePrefix.replace(/\/+$/, ''),
    indexUrl: v.indexUrl,
    extraIndexUrls: Object.freeze(v.extraIndexUrls),
    maxActiveBuilds: v.maxActiveBuilds,
    apiThrottle: Object.freeze({ rateLimit: v.apiThrottleRateLimit, burstLimit: v.apiThrottleBurstLimit }),
    queue: Object.freeze({ visibilityTimeoutSeconds: v.queueVisibilityTimeoutSeconds, maxReceiveCount: v.queueMaxReceiveCount }),
    allowOnDemand: v.allowOnDemand,
    retryInterrupted: v.retryInterrupted,
    logRetentionDays: v.logRetentionDays,
    reaperScheduleMinutes: v.reaperScheduleMinutes,
    apiToken: v.apiToken === undefined ? undefined : pulumi.secret(v.apiToken),
  });
}

/** The current stack's settings from Pulumi's configuration (Pulumi.<stack>.yaml). */
export function loadSettings(): Settings {
  const project = new pulumi.Config(PROJECT_NAMESPACE);
  return parseSettings((key) => project.get(key), new pulumi.Config('aws').get('region'));
}
