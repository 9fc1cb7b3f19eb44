import type { Architecture, RuntimeInfo } from '../core/runtime-catalog.js';
import { containerImage, DOCKER_PLATFORM } from './container-plan.js';

/**
 * The import check in a container: the runtime's own image on the native architecture,
 * the unpacked layer mounted read-only at /opt exactly where Lambda puts layers, no
 * network, a read-only root file system, and the runtime's python as the entrypoint.
 * Pure: it only plans the docker argv; import-check.ts runs it.
 */
export interface ImportCheckPlanInput {
  runtime: RuntimeInfo;
  arch: Architecture;
  /** The operator's image repository prefix; the SAM build image is then used from it. */
  imagePrefix?: string;
  /** Host dir holding the unpacked zip (its `python/` directory), mounted at /opt. */
  layerDir: string;
  /** Host dir holding import-check.py, mounted at /check. */
  scriptDir: string;
  /** Where the packages sit inside the layer, e.g. `python/lib/python3.13/site-packages/`. */
  prefix: string;
  user?: { uid: number; gid: number };
}

/** Where the Lambda runtime keeps its own packages (awslambdaric, and boto3 on older images). */
export const LAMBDA_RUNTIME_DIR = '/var/runtime';

/**
 * Lambda's base image for the runtime, e.g. `public.ecr.aws/lambda/python:3.13-arm64`; with
 * an operator prefix, the runtime's SAM build image from that registry (which holds the
 * same Python, glibc and OS), since that is what operators mirror for the container strategy.
 */
export function importCheckImage(runtime: RuntimeInfo, arch: Architecture, imagePrefix?: string): string {
  if (imagePrefix) return containerImage(runtime, arch, imagePrefix);
  return `public.ecr.aws/lambda/python:${runtime.python_version}-${arch}`;
}

export function importCheckArgs(input: ImportCheckPlanInput): string[] {
  const args = [
    'run',
    '--rm',
    '--platform',
    DOCKER_PLATFORM[input.arch],
    '--network',
    'none',
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--env',
    'HOME=/tmp',
    '--env',
    'PYTHONDONTWRITEBYTECODE=1',
    '--volume',
    `${input.layerDir}:/opt:ro`,
    '--volume',
    `${input.scriptDir}:/check:ro`,
  ];
  if (input.user) args.push('--user', `${input.user.uid}:${input.user.gid}`);
  args.push(
    '--entrypoint',
    `python${input.runtime.python_version}`,
    importCheckImage(input.runtime, input.arch, input.imagePrefix),
    '-I',
    '-B',
    '/check/import-check.py',
    `/opt/${input.prefix.replace(/\/+$/, '')}`,
    LAMBDA_RUNTIME_DIR,
  );
  return args;
}
