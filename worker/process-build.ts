import type { BuildStore, Launcher } from '../core/ports.js';

export interface ProcessBuildDeps {
  store: BuildStore;
  launcher: Launcher;
  now?: () => Date;
}

/**
 * Handles one queue message: claims the build with a conditional write, then launches
 * one builder per architecture. A duplicate or concurrent delivery finds the build
 * already claimed and launches nothing. A launch that fails fails its architecture.
 */
export async function processBuild(deps: ProcessBuildDeps, buildId: string): Promise<'launched' | 'duplicate' | 'missing'> {
  const now = deps.now ?? (() => new Date());
  const record = await deps.store.get(buildId);
  if (!record) return 'missing';
  if (!(await deps.store.claim(buildId, now()))) return 'duplicate';
  for (const arch of record.request.architectures) {
    try {
      await deps.launcher.launch(buildId, arch);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await deps.store.failArchitecture(buildId, arch, `could not start a builder: ${reason}`, now());
    }
  }
  return 'launched';
}
