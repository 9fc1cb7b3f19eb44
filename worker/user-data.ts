import { z } from 'zod';
import { ARCHITECTURES } from '../core/runtime-catalog.js';

const NAME = /^[A-Za-z0-9._/-]+$/;
/** http(s), no credentials (user data is readable through the EC2 API), nothing a shell or a comma list would split on. */
export const INDEX_URL_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%+/-]*)?$/;
export const IMAGE_PREFIX_PATTERN = /^[a-z0-9][a-z0-9.-]*(:\d{1,5})?(\/[a-z0-9._-]+)*\/?$/;

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
    indexUrl: z.string().max(2048).regex(INDEX_URL_PATTERN).default('https://pypi.org/simple'),
    extraIndexUrls: z.array(z.string().max(2048).regex(INDEX_URL_PATTERN)).max(10).default([]),
    builderImagePrefix: z.string().max(255).regex(IMAGE_PREFIX_PATTERN).optional(),
  })
  .strict();

export type UserDataSettings = z.input<typeof settingsSchema>;

/**
 * Installed on the instance for the agent: Node.js 22 runs the bundle, Docker runs the
 * SAM build images and the import check, Python 3.12 with pip runs the wheels strategy.
 * Amazon Linux 2023's repositories are locked to the AMI's release, so for one AMI these
 * names always resolve to the same versions.
 */
export const BUILDER_PACKAGES = ['nodejs22', 'docker', 'python3.12', 'python3.12-pip'] as const;
export const BUILDER_PYTHON = 'python3.12';
/** A private ECR registry (e.g. a pull-through cache): Docker must log in to pull from it. */
const ECR_REGISTRY = /^(\d{12}\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com)(\/|$)/;
export const AGENT_DIR = '/opt/layer-builder';

/**
 * The builder instance's bootstrap (bash, strict mode, shellcheck-clean). In order: a
 * trap that powers the instance off whenever the script exits, for any reason; the
 * watchdog `shutdown -h +N` (N = the build's time limit in minutes), armed before anything
 * that could hang, so the instance (launched to terminate on shutdown) ends by then at the
 * latest; the instance id from IMDSv2 (best effort, for the build log); the packages the
 * agent needs, from dnf; Docker started (and logged in to the operator's ECR registry when
 * the image prefix is one); the agent bundle fetched from S3 and run with the build's
 * identifiers and the deployment's settings in its environment.
 *
 * It carries nothing from the request: the agent reads that from the build record. Every
 * value must match a strict pattern, else this throws naming the setting, so no value can
 * carry shell syntax; values are single-quoted as well.
 */
export function renderUserData(settings: UserDataSettings): string {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ');
    throw new Error(`refusing to render builder user data: bad ${fields}`);
  }
  const s = parsed.data;
  const ecr = s.builderImagePrefix ? ECR_REGISTRY.exec(s.builderImagePrefix) : null;
  const agentEnvironment: Array<[string, string]> = [
    ['BUILD_ID', s.buildId],
    ['ARCH', s.arch],
    ['AWS_REGION', s.region],
    ['AWS_DEFAULT_REGION', s.region],
    ['TABLE_NAME', s.tableName],
    ['BUCKET_NAME', s.bucket],
    ['MAX_BUILD_MINUTES', String(s.maxBuildMinutes)],
    ['INDEX_URL', s.indexUrl],
    ['EXTRA_INDEX_URLS', s.extraIndexUrls.join(',')],
    ['BUILDER_IMAGE_PREFIX', s.builderImagePrefix ?? ''],
    ['PYTHON', BUILDER_PYTHON],
  ];
  return [
    '#!/bin/bash',
    `# ${s.project} builder for build ${s.buildId} (${s.arch}): identifiers and settings only;`,
    '# the agent reads what to build from the build record.',
    'set -euo pipefail',
    'export HOME="${HOME:-/root}"',
    '# Whatever happens below, power off (the instance terminates on shutdown).',
    "trap 'shutdown -h now' EXIT",
    '# The watchdog, armed before anything that could hang: the build time limit.',
    `shutdown -h +${s.maxBuildMinutes}`,
    '',
    ...agentEnvironment.map(([name, value]) => `export ${name}=${quote(value)}`),
    `agent_key=${quote(s.agentKey)}`,
    '',
    'imds=http://169.254.169.254/latest',
    "imds_token=$(curl -sS --max-time 5 --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \"$imds/api/token\" || true)",
    'INSTANCE_ID=$(curl -sS --max-time 5 --retry 3 -H "X-aws-ec2-metadata-token: $imds_token" "$imds/meta-data/instance-id" || true)',
    "if [[ ! $INSTANCE_ID =~ ^i-[0-9a-f]{8,17}$ ]]; then INSTANCE_ID=''; fi",
    'export INSTANCE_ID',
    'echo "layer builder for build $BUILD_ID ($ARCH) on ${INSTANCE_ID:-an instance of unknown id}"',
    '',
    `dnf install -y -q --setopt=install_weak_deps=False ${BUILDER_PACKAGES.join(' ')}`,
    'systemctl start docker',
    ...(ecr ? [`aws ecr get-login-password --region ${quote(ecr[2]!)} | docker login --username AWS --password-stdin ${quote(ecr[1]!)}`] : []),
    '',
    `agent_dir=${AGENT_DIR}`,
    'mkdir -p "$agent_dir"',
    'aws s3 cp --only-show-errors "s3://$BUCKET_NAME/$agent_key" "$agent_dir/agent.mjs"',
    'node "$agent_dir/agent.mjs"',
    '',
  ].join('\n');
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
