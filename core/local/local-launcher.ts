import type { Launcher } from '../ports.js';
import type { Architecture } from '../runtime-catalog.js';

export interface LocalLauncherOptions {
  /** Builds one architecture of a claimed build on this machine. */
  run: (buildId: string, arch: Architecture) => Promise<void>;
  /** Told about each run that failed; launching goes on. */
  onError: (buildId: string, arch: Architecture, error: unknown) => void;
}

export interface LocalLauncher extends Launcher {
  /** Resolves once no launched run is still going (for tests and graceful shutdown). */
  idle(): Promise<void>;
}

/**
 * Launcher for local mode: like an EC2 launch, `launch` returns as soon as the run has
 * started and the build goes on in the background, reporting through the build store.
 */
export function createLocalLauncher(options: LocalLauncherOptions): LocalLauncher {
  const running = new Set<Promise<void>>();
  let idleWaiters: Array<() => void> = [];

  function settle(job: Promise<void>): void {
    running.delete(job);
    if (running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    async launch(buildId, arch) {
      let started: Promise<void>;
      try {
        started = options.run(buildId, arch);
      } catch (error) {
        started = Promise.reject(error);
      }
      const job: Promise<void> = started
        .catch((error: unknown) => {
          try {
            options.onError(buildId, arch, error);
          } catch {
            // A failing error reporter must not leave the job tracked forever.
          }
        })
        .finally(() => settle(job));
      running.add(job);
    },
    idle() {
      if (running.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
