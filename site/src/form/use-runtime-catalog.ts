import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiProblem, type RuntimeCatalog, type SiteApi } from '../api/site-api.js';

/** GET /runtimes for the form, again whenever the API changes or the user retries. */
export function useRuntimeCatalog(api: SiteApi) {
  const [catalog, setCatalog] = useState<RuntimeCatalog>();
  const [problem, setProblem] = useState<ApiProblem>();
  const [attempt, setAttempt] = useState(0);

  // A catalog belongs to one API: another URL starts from nothing.
  useEffect(() => setCatalog(undefined), [api]);

  useEffect(() => {
    let current = true;
    setProblem(undefined);
    api.runtimes().then(
      (answer) => current && (setCatalog(answer), setProblem(undefined)),
      (error: unknown) => current && setProblem(error instanceof ApiProblem ? error : new ApiProblem('server', String(error))),
    );
    return () => {
      current = false;
    };
  }, [api, attempt]);

  return { catalog, problem, retry: useCallback(() => setAttempt((n) => n + 1), []) };
}
