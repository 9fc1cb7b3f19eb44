import type { FileBuildStore } from '../core/local/file-build-store.js';
import type { BuildQueue } from '../core/ports.js';

export const INTERRUPTED_MESSAGE = 'the local build service stopped while this build was running; submit it again';

/**
 * The in-process queue forgets everything when the local server stops. On start, builds
 * that were still waiting are queued again; builds that were running are failed with a
 * reason, so none stays PROCESSING forever.
 */
export async function recoverUnfinishedBuilds(deps: { store: FileBuildStore; queue: BuildQueue; now?: () => Date }): Promise<{ requeued: string[]; failed: string[] }> {
  const now = deps.now ?? (() => new Date());
  const requeued: string[] = [];
  const failed: string[] = [];
  for (const record of await deps.store.listUnfinished()) {
    if (record.status === 'QUEUED') {
      await deps.queue.send(record.build_id);
      requeued.push(record.build_id);
    } else {
      await deps.store.failBuild(record.build_id, INTERRUPTED_MESSAGE, now());
      failed.push(record.build_id);
    }
  }
  return { requeued, failed };
}
