import { type Architecture, type RuntimeInfo } from '../core/runtime-catalog.js';
import type { IndexOptions } from './pip-plan.js';

/**
 * The `container` strategy: pip inside the official SAM build image of the runtime and
 * architecture, so sdists compile against the runtime's own Python and glibc. Pure: it
 * only plans the docker argv; container-engine.ts runs it.
 */
export interface ContainerPlanInput {
  runtime: RuntimeInfo;
  arch: Architecture;
  /** Image repository prefix; the runtime's build image name is appended to it. */
  imagePrefix?: string;
  /** Host dir holding requirements.txt, mounted read-only at /input. */
  inputDir: string;
  /** Host dir receiving site-packages and report.json, mounted at /output. */
  outputDir: string;
  index: IndexOptions;
  user?: { uid: number; gid: number };
}

export const DOCKER_PLATFORM: Record<Architecture, string> = { x86_64: 'linux/amd64', arm64: 'linux/arm64' };

export function containerImage(runtime: RuntimeInfo, arch: Architecture, imagePrefix?: string): string {
  const repository = imagePrefix ? `${imagePrefix.replace(/\/+$/, '')}/build-python${runtime.python_version}` : runtime.build_image;
  return `${repository}:latest-${arch}`;
}

export function containerInstallArgs(input: ContainerPlanInput): string[] {
  const args = [
    'run',
    '--rm',
    '--platform',
    DOCKER_PLATFORM[input.arch],
    '--network',
    'host',
    '--env',
    'HOME=/tmp',
    '--env',
    'PIP_DISABLE_PIP_VERSION_CHECK=1',
    '--volume',
    `${input.inputDir}:/input:ro`,
    '--volume',
    `${input.outputDir}:/output`,
  ];
  if (input.user) args.push('--user', `${input.user.uid}:${input.user.gid}`);
  args.push(
    containerImage(input.runtime, input.arch, input.imagePrefix),
    `python${input.runtime.python_version}`,
    '-m',
    'pip',
    'install',
    '--isolated',
    '--no-input',
    '--no-compile',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
    '--prefer-binary',
    '--target',
    '/output/site-packages',
    '--index-url',
    input.index.indexUrl,
    ...input.index.extraIndexUrls.flatMap((url) => ['--extra-index-url', url]),
    '--report',
    '/output/report.json',
    '-r',
    '/input/requirements.txt',
  );
  return args;
}

/** Linux machine of this host in Lambda's naming, for "native host only" checks. */
export function hostArchitecture(): Architecture | undefined {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'arm64';
  return undefined;
}

