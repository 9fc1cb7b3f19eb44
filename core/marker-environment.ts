import { MACHINE_OF, type Architecture, type RuntimeInfo } from './runtime-catalog.js';

/**
 * PEP 508 marker variables as they read on the target Lambda runtime, not on the build
 * host. pip evaluates markers with the interpreter that runs it, so the builder hands
 * this environment to pip explicitly (see builder/pip-target-env.py).
 */
export type MarkerEnvironment = Readonly<Record<string, string>>;

export function markerEnvironment(runtime: RuntimeInfo, arch: Architecture): MarkerEnvironment {
  return Object.freeze({
    implementation_name: 'cpython',
    implementation_version: runtime.python_full_version,
    os_name: 'posix',
    platform_machine: MACHINE_OF[arch],
    platform_python_implementation: 'CPython',
    platform_release: '',
    platform_system: 'Linux',
    platform_version: '',
    python_full_version: runtime.python_full_version,
    python_version: runtime.python_version,
    sys_platform: 'linux',
  });
}
