import { z } from 'zod';
import { ARCHITECTURES } from '../core/runtime-catalog.js';

const NAME = /^[A-Za-z0-9._/-]+$/;

const settingsSchema = z
  .object({
    buildId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
    arch: z.enum(ARCHITECTURES),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    tableName: z.string().max(255).regex(NAME),
    bucket: z.string().max(255).regex(NAME),
    agentKey: z.string().max(1024).regex(NAME),
    maxBuildMinutes: z.number().int().min(1).max(24 * 60),
    project: z.string().max(128).regex(NAME),
  })
  .strict();

export type UserDataSettings = z.input<typeof settingsSchema>;

/** Minutes the instance may outlive the build's limit (boot, agent download, upload) before it is halted. */
const HALT_MARGIN_MINUTES = 10;

/**
 * The builder instance's bootstrap: exports the build's identifiers and the deployment's
 * settings, fetches the agent bundle from S3 and runs it. It carries nothing from the
 * request (the agent reads the requirements from the build record). Every value must
 * match a strict pattern, else this throws, so no value can carry shell syntax; values
 * are single-quoted as well. Whatever happens, the instance halts: at once when the
 * script exits, and at the latest a few minutes after the build's time limit.
 */
export function renderUserData(settings: UserDataSettings): string {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ');
    throw new Error(`refusing to render builder user data: bad ${fields}`);
  }
  const s = parsed.data;
  const vars: Array<[string, string]> = [
    ['LAYER_BUILD_ID', s.buildId],
    ['LAYER_ARCHITECTURE', s.arch],
    ['AWS_REGION', s.region],
    ['AWS_DEFAULT_REGION', s.region],
    ['LAYER_TABLE_NAME', s.tableName],
    ['LAYER_BUCKET_NAME', s.bucket],
    ['LAYER_AGENT_KEY', s.agentKey],
    ['LAYER_MAX_BUILD_MINUTES', String(s.maxBuildMinutes)],
    ['LAYER_PROJECT', s.project],
  ];
  return [
    '#!/bin/bash',
    `# ${s.project} builder for build ${s.buildId} (${s.arch}): identifiers and settings only;`,
    '# the agent reads the request from the build record.',
    'set -euo pipefail',
    "trap 'shutdown -h now' EXIT",
    `shutdown -h +${s.maxBuildMinutes + HALT_MARGIN_MINUTES}`,
    '',
    ...vars.map(([name, value]) => `export ${name}=${quote(value)}`),
    '',
    'agent_dir=/opt/layer-builder',
    'mkdir -p "$agent_dir"',
    'aws s3 cp --only-show-errors "s3://${LAYER_BUCKET_NAME}/${LAYER_AGENT_KEY}" "$agent_dir/agent.mjs"',
    'node "$agent_dir/agent.mjs"',
    '',
  ].join('\n');
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
