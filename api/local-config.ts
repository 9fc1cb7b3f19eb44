import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../core/parse-env.js';

/**
 * Local mode settings, read once from the environment. A bad value stops the server at
 * start with the variable's name.
 */
const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('127.0.0.1'),
  LAYER_DATA_DIR: z.string().default('.layer-data'),
  LAYER_PUBLIC_URL: z.url().optional(),
  LAYER_INDEX_URL: z.url().default('https://pypi.org/simple'),
  LAYER_EXTRA_INDEX_URLS: z.string().default('').transform(list).pipe(z.array(z.url())),
  LAYER_PYTHON: z.string().default('python3'),
  LAYER_PIP_TIMEOUT_MINUTES: z.coerce.number().positive().default(15),
  LAYER_BUILDER_IMAGE_PREFIX: z.string().optional(),
  LAYER_ARTIFACT_TTL_HOURS: z.coerce.number().positive().max(24 * 7).default(24),
  LAYER_MAX_ACTIVE_BUILDS: z.coerce.number().int().positive().default(10),
  LAYER_CONCURRENCY: z.coerce.number().int().positive().default(2),
  LAYER_ALLOWED_ORIGINS: z.string().default('*').transform(list),
  LAYER_API_TOKEN: z.string().min(16).optional(),
  LAYER_SIGNING_SECRET: z.string().min(32).optional(),
});

export type LocalConfig = Readonly<z.output<typeof schema> & { dataDir: string; publicUrl: string; signingSecret: string }>;

export function parseLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const values = parseEnv(schema, env, 'local server');
  if (values.PORT === 0 && !values.LAYER_PUBLIC_URL) {
    throw new Error('bad local server configuration: PORT=0 picks a random port, so download links need LAYER_PUBLIC_URL; set PORT to a fixed port');
  }
  const dataDir = resolve(values.LAYER_DATA_DIR);
  return Object.freeze({
    ...values,
    dataDir,
    publicUrl: values.LAYER_PUBLIC_URL ?? `http://${values.HOST === '0.0.0.0' ? '127.0.0.1' : values.HOST}:${values.PORT}`,
    signingSecret: values.LAYER_SIGNING_SECRET ?? persistentSecret(dataDir),
  });
}

/** A signing secret kept in the data dir, so download links survive a restart. */
function persistentSecret(dataDir: string): string {
  const file = join(dataDir, 'signing-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('hex');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
