import { z } from 'zod';
import { parseWorkerConfig, type WorkerConfig } from './worker-config.js';
import { parseEnv } from '../core/parse-env.js';

const NAME = /^[A-Za-z0-9._/-]+$/;

const schema = z.object({
  TABLE_NAME: z.string().regex(NAME, 'expected letters, digits and . _ / -'),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as eu-west-1'),
  PROJECT: z.string().regex(NAME, 'expected letters, digits and . _ / -'),
  MAX_BUILD_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SWEEP_MARGIN_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  RETRY_INTERRUPTED: z.enum(['true', 'false']).default('false'),
});

export interface ReaperConfig {
  readonly tableName: string;
  readonly region: string;
  /** The `Project` tag of this deployment's builders. */
  readonly project: string;
  /** The builders' time limit (the same value the worker gives them). */
  readonly maxBuildMinutes: number;
  /** A build silent for the time limit plus this is failed by the sweep. */
  readonly marginMinutes: number;
  /** The launch settings, present only when an interrupted architecture may get a second builder. */
  readonly retry?: WorkerConfig;
}

/**
 * The reaper Lambda's settings, read once from its environment. With
 * RETRY_INTERRUPTED=true it also needs the worker's launch settings (it launches the
 * second builder the same way), read by parseWorkerConfig. A missing or bad value throws
 * at start, naming every such variable.
 */
export function parseReaperConfig(env: Record<string, string | undefined>): ReaperConfig {
  const v = parseEnv(schema, env, 'reaper');
  let retry: WorkerConfig | undefined;
  if (v.RETRY_INTERRUPTED === 'true') {
    try {
      retry = parseWorkerConfig(env);
    } catch (error) {
      throw new Error(`bad reaper configuration: RETRY_INTERRUPTED=true needs the launch settings: ${(error as Error).message}`);
    }
  }
  return Object.freeze({
    tableName: v.TABLE_NAME,
    region: v.AWS_REGION,
    project: v.PROJECT,
    maxBuildMinutes: v.MAX_BUILD_MINUTES,
    marginMinutes: v.SWEEP_MARGIN_MINUTES,
    retry,
  });
}
