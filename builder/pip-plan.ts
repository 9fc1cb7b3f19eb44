import { allowedPlatformTags, type Architecture, type RuntimeInfo } from '../core/runtime-catalog.js';

/**
 * The pip command line of the wheels strategy, as an argv array (never a shell string).
 * Everything that decides the result is explicit here, so the host's pip config files and
 * PIP_* variables cannot change a build: the interpreter, ABIs and EVERY allowed platform
 * tag of the target (pip does not widen `manylinux_2_X` to older tags), and the operator's
 * indexes only.
 */

/** The package indexes pip may use: operator configuration, never request input. */
export interface IndexOptions {
  indexUrl: string;
  extraIndexUrls: readonly string[];
}

export const DEFAULT_INDEX: IndexOptions = Object.freeze({
  indexUrl: 'https://pypi.org/simple',
  extraIndexUrls: Object.freeze([]) as readonly string[],
});

export interface WheelsInstallOptions {
  runtime: RuntimeInfo;
  arch: Architecture;
  targetDir: string;
  requirementsFile: string;
  /** Where pip writes its JSON installation report (`--report`). */
  reportFile: string;
  index: IndexOptions;
  /** pip's network retries per request; pip's own default is 5. */
  retries?: number;
  /** pip's socket timeout in seconds; pip's own default is 15. */
  timeoutSeconds?: number;
}

/** pip's arguments after `install`. */
export function wheelsInstallArgs(opts: WheelsInstallOptions): string[] {
  const { runtime, arch } = opts;
  return [
    '--isolated',
    '--disable-pip-version-check',
    '--no-input',
    '--no-compile',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
    // The builder runs as root on EC2; pip's warning about it is noise in the build log.
    '--root-user-action=ignore',
    '--retries',
    String(opts.retries ?? 5),
    '--timeout',
    String(opts.timeoutSeconds ?? 15),
    '--target',
    opts.targetDir,
    '--only-binary=:all:',
    '--implementation',
    'cp',
    '--python-version',
    runtime.python_version,
    '--abi',
    runtime.abi,
    '--abi',
    'abi3',
    '--abi',
    'none',
    ...allowedPlatformTags(runtime, arch).flatMap((tag) => ['--platform', tag]),
    '--index-url',
    opts.index.indexUrl,
    ...opts.index.extraIndexUrls.flatMap((url) => ['--extra-index-url', url]),
    '--report',
    opts.reportFile,
    '-r',
    opts.requirementsFile,
  ];
}
