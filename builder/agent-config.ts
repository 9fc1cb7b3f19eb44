import { z } from 'zod';
import { ARCHITECTURES, type Architecture } from '../core/runtime-catalog.js';
import type { IndexOptions } from './pip-plan.js';
import { parseEnv } from '../core/parse-env.js';

const NAME = /^[A-Za-z0-9._/-]+$/;
const name = () => z.string().regex(NAME, 'expected letters, digits and . _ / -');
const indexUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of a PEP 503 index' });
/** Deployments may pass an unset optional value as ''. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const schema = z.object({
  BUILD_ID: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a build id'),
  ARCH: z.enum(ARCHITECTURES, { error: 'expected x86_64 or arm64' }),
  TABLE_NAME: name(),
  BUCKET_NAME: name(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as eu-west-1'),
  INDEX_URL: indexUrl().default('https://pypi.org/simple'),
  EXTRA_INDEX_URLS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(indexUrl())),
  BUILDER_IMAGE_PREFIX: optional(z.string().regex(/^[a-z0-9][a-z0-9.-]*(:\d{1,5})?(\/[a-z0-9._-]+)*\/?$/, 'expected a registry path such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/sam')),
  MAX_BUILD_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  PYTHON: z.string().min(1).default('python3'),
  INSTANCE_ID: optional(z.string().regex(/^i-[0-9a-f]{8,17}$/, 'expected an instance id (i-...)')),
});

export interface AgentConfig {
  readonly buildId: string;
  readonly arch: Architecture;
  readonly tableName: string;
  readonly bucketName: string;
  readonly region: string;
  readonly index: IndexOptions;
  /** Registry path of the SAM build images for the container strategy and the import check. */
  readonly imagePrefix?: string;
  /** The instance powers itself off this long after boot; the agent stops before that. */
  readonly maxBuildMinutes: number;
  /** Host Python that runs pip for the wheels strategy. */
  readonly python: string;
  readonly instanceId?: string;
}

/**
 * The builder agent's settings, read once from the environment its bootstrap exports:
 * which build and architecture, where the records and files live, the operator's package
 * indexes and images. Never the request: the agent reads that from the build record. A
 * missing or bad value throws at start, naming every such variable.
 */
export function parseAgentConfig(env: Record<string, string | undefined>): AgentConfig {
  const v = parseEnv(schema, env, 'agent');
  return Object.freeze({
    buildId: v.BUILD_ID,
    arch: v.ARCH,
    tableName: v.TABLE_NAME,
    bucketName: v.BUCKET_NAME,
    region: v.AWS_REGION,
    index: Object.freeze({ indexUrl: v.INDEX_URL, extraIndexUrls: Object.freeze(v.EXTRA_INDEX_URLS) }),
    imagePrefix: v.BUILDER_IMAGE_PREFIX,
    maxBuildMinutes: v.MAX_BUILD_MINUTES,
    python: v.PYTHON,
    instanceId: v.INSTANCE_ID,
  });
}
