import { z } from 'zod';
import type { AppConfig } from './app.js';
import { parseEnv } from '../core/parse-env.js';

const NAME = /^[A-Za-z0-9._/-]+$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

const schema = z.object({
  TABLE_NAME: z.string().regex(NAME, 'expected letters, digits and . _ / -'),
  BUCKET_NAME: z.string().regex(NAME, 'expected letters, digits and . _ / -'),
  QUEUE_URL: z.url({ protocol: /^https?$/ }),
  ARTIFACT_TTL_HOURS: z.coerce.number().positive().max(24 * 7).default(24),
  MAX_ACTIVE_BUILDS: z.coerce.number().int().positive().default(10),
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((o) => o === '*' || ORIGIN.test(o), 'expected * or origins such as https://example.com')).min(1)),
  // An unset variable may arrive as '' from the deployment; that means no token.
  API_TOKEN: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(16).optional()),
});

export interface AwsApiConfig {
  readonly tableName: string;
  readonly bucketName: string;
  readonly queueUrl: string;
  readonly app: Readonly<AppConfig>;
}

/**
 * The API Lambda's settings, read once from its environment. A missing or bad value
 * throws at start, naming every such variable.
 */
export function parseAwsApiConfig(env: Record<string, string | undefined>): AwsApiConfig {
  const v = parseEnv(schema, env, 'API');
  return Object.freeze({
    tableName: v.TABLE_NAME,
    bucketName: v.BUCKET_NAME,
    queueUrl: v.QUEUE_URL,
    app: Object.freeze({
      artifactTtlSeconds: v.ARTIFACT_TTL_HOURS * 3600,
      maxActiveBuilds: v.MAX_ACTIVE_BUILDS,
      allowedOrigins: Object.freeze(v.ALLOWED_ORIGINS) as string[],
      apiToken: v.API_TOKEN,
    }),
  });
}
