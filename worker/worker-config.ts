import { z } from 'zod';
import type { Architecture } from '../core/runtime-catalog.js';
import { IMAGE_PREFIX_PATTERN, INDEX_URL_PATTERN } from './user-data.js';
import { parseEnv } from '../core/parse-env.js';

const NAME = /^[A-Za-z0-9._/-]+$/;
const name = () => z.string().regex(NAME, 'expected letters, digits and . _ / -');
const instanceTypes = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'expected instance types such as c7g.xlarge')).min(1));

const indexUrl = () =>
  z.string().max(2048).regex(INDEX_URL_PATTERN, 'expected an http(s) URL of a PEP 503 index, without credentials (user data is readable through the EC2 API)');

const schema = z.object({
  TABLE_NAME: name(),
  BUCKET_NAME: name(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as eu-west-1'),
  LAUNCH_TEMPLATE_X86_64: z.string().regex(/^lt-[0-9a-f]{8,17}$/, 'expected a launch template id (lt-...)'),
  LAUNCH_TEMPLATE_ARM64: z.string().regex(/^lt-[0-9a-f]{8,17}$/, 'expected a launch template id (lt-...)'),
  INSTANCE_TYPES_X86_64: instanceTypes('c5.xlarge,c6i.xlarge,m5.xlarge'),
  INSTANCE_TYPES_ARM64: instanceTypes('c7g.xlarge,c6g.xlarge,m7g.xlarge'),
  ALLOW_ON_DEMAND: z.enum(['true', 'false']).default('false'),
  AGENT_KEY: name(),
  MAX_BUILD_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  PROJECT: name(),
  INDEX_URL: indexUrl().default('https://pypi.org/simple'),
  EXTRA_INDEX_URLS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(indexUrl())),
  // An unset variable may arrive as '' from the deployment; that means the official images.
  BUILDER_IMAGE_PREFIX: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().max(255).regex(IMAGE_PREFIX_PATTERN, 'expected a registry path such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam').optional(),
  ),
});

export interface WorkerConfig {
  readonly tableName: string;
  readonly bucketName: string;
  readonly region: string;
  readonly launchTemplates: Readonly<Record<Architecture, { readonly id: string }>>;
  readonly instanceTypes: Readonly<Record<Architecture, readonly string[]>>;
  readonly allowOnDemand: boolean;
  readonly agentKey: string;
  readonly maxBuildMinutes: number;
  readonly project: string;
  /** The operator's package indexes, passed to the builders. */
  readonly index: { readonly indexUrl: string; readonly extraIndexUrls: readonly string[] };
  /** Registry path of the SAM build images; default the official public.ecr.aws images. */
  readonly builderImagePrefix?: string;
}

/**
 * The worker Lambda's settings, read once from its environment. A missing or bad value
 * throws at start, naming every such variable.
 */
export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const v = parseEnv(schema, env, 'worker');
  return deepFreeze({
    tableName: v.TABLE_NAME,
    bucketName: v.BUCKET_NAME,
    region: v.AWS_REGION,
    launchTemplates: { x86_64: { id: v.LAUNCH_TEMPLATE_X86_64 }, arm64: { id: v.LAUNCH_TEMPLATE_ARM64 } },
    instanceTypes: { x86_64: v.INSTANCE_TYPES_X86_64, arm64: v.INSTANCE_TYPES_ARM64 },
    allowOnDemand: v.ALLOW_ON_DEMAND === 'true',
    agentKey: v.AGENT_KEY,
    maxBuildMinutes: v.MAX_BUILD_MINUTES,
    project: v.PROJECT,
    index: { indexUrl: v.INDEX_URL, extraIndexUrls: v.EXTRA_INDEX_URLS },
    builderImagePrefix: v.BUILDER_IMAGE_PREFIX,
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
