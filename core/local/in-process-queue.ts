import type { BuildQueue } from '../ports.js';

export interface InProcessQueueOptions {
  /** Most handlers running at once (a positive integer). */
  concurrency: number;
  handle: (buildId: string) => Promise<void>;
  /** Told about each handler that failed; the queue goes on. Defaults to console.error. */
  onError?: (buildId: string, error: unknown) => void;
}

export interface InProcessQueue extends BuildQueue {
  /** Resolves once nothing waits or runs (for tests and graceful shutdown). */
  idle(): Promise<void>;
}

/**
 * BuildQueue for local mode: builds run in this process, first in first out, at most
 * `concurrency` at a time. Unlike SQS nothing is retried or kept across a restart.
 */
export function createInProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const { concurrency, handle } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`queue concurrency must be a positive integer (got ${concurrency})`);
  }
  const onError = options.onError ?? ((buildId, error) => console.error(`build ${buildId} failed in the queue`, error));
  const waiting: string[] = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  function pump(): void {
    while (running < concurrency) {
      const buildId = waiting.shift();
      if (buildId === undefined) break;
      running += 1;
      void Promise.resolve()
        .then(() => handle(buildId))
        .catch((error: unknown) => report(buildId, error))
        .finally(() => {
          running -= 1;
          pump();
        });
    }
    if (running === 0 && waiting.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  function report(buildId: string, error: unknown): void {
    try {
      onError(buildId, error);
    } catch {
      // A failing error reporter must not stall the queue; there is nowhere left to report to.
    }
  }

  return {
    async send(buildId) {
      waiting.push(buildId);
      pump();
    },
    async activeCount() {
      return waiting.length + running;
    },
    idle() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
