import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiProblem, type BuildLogs, type BuildView, type SiteApi } from '../api/site-api.js';
import type { SavedBuild } from './saved-builds.js';

const POLL_MS = 2000;
const RETRY_MS = 6000;
/** The longest a build may run (the CLI gives up after the same time). */
export const MAX_BUILD_MS = 45 * 60_000;

export type FollowPhase = 'following' | 'finished' | 'gave-up' | 'stopped';

export function isFinal(status: BuildView['status']): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/**
 * Polls GET /builds/{id} and its log until the build is COMPLETED or FAILED, the maximum
 * build time has passed since it was submitted, or the service says it is gone or refuses
 * the token. A finished build is fetched once (fresh download links) and not polled.
 */
export function useFollowBuild(api: SiteApi, saved: SavedBuild) {
  const [view, setView] = useState<BuildView>();
  const [logs, setLogs] = useState<BuildLogs>({});
  const [problem, setProblem] = useState<ApiProblem>();
  const [phase, setPhase] = useState<FollowPhase>('following');
  const [round, setRound] = useState(0);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const submittedAt = Date.parse(saved.submitted_at);

    const overdue = () => Date.now() - submittedAt > MAX_BUILD_MS;
    function stopAs(final: FollowPhase): undefined {
      setPhase(final);
      return undefined;
    }

    /** One round; answers how long to wait before the next, or undefined to stop. */
    async function check(): Promise<number | undefined> {
      try {
        const next = await api.build(saved.build_id);
        const text = await api.logs(saved.build_id).catch(() => undefined);
        if (!active) return undefined;
        setView(next);
        if (text) setLogs(text);
        setProblem(undefined);
        if (isFinal(next.status)) return stopAs('finished');
        return overdue() ? stopAs('gave-up') : POLL_MS;
      } catch (error) {
        if (!active) return undefined;
        const failure = error instanceof ApiProblem ? error : new ApiProblem('server', String(error));
        setProblem(failure);
        if (failure.kind === 'not-found' || failure.kind === 'token') return stopAs('stopped');
        return overdue() ? stopAs('gave-up') : RETRY_MS;
      }
    }

    async function loop() {
      const wait = await check();
      if (active && wait !== undefined) timer = setTimeout(loop, wait);
    }

    setPhase('following');
    void loop();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [api, saved.build_id, saved.submitted_at, round]);

  return { view, logs, problem, phase, checkAgain: useCallback(() => setRound((n) => n + 1), []) };
}
