import { hc, type InferRequestType, type InferResponseType } from 'hono/client';
import type { AppType } from '../../../api/app.js';
import { ApiProblem, problemFromResponse, unreachable } from './api-problem.js';

type Client = ReturnType<typeof hc<AppType>>;
export type BuildView = InferResponseType<Client['builds'][':id']['$get'], 200>;
export type BuildLogs = InferResponseType<Client['builds'][':id']['logs']['$get'], 200>['logs'];
export type RuntimeCatalog = InferResponseType<Client['runtimes']['$get'], 200>;
export type BuildRequestBody = InferRequestType<Client['builds']['$post']>['json'];
export type Architecture = BuildView['architectures'][number];
export type Submitted = { build_id: string; status: BuildView['status']; cached: boolean };

export interface ApiSettings {
  /** Empty means the page's own origin (the local server serves both). */
  apiUrl: string;
  token: string;
}

/** The API URL as fetch needs it: absolute, no trailing slash. */
export function resolveApiUrl(apiUrl: string, pageUrl: string): string {
  return new URL(apiUrl.trim() || '/', pageUrl).href.replace(/\/+$/, '');
}

/**
 * The site's only way to the build service: Hono's typed client over `AppType`, with
 * the optional bearer token. Every failure becomes an ApiProblem worded for the user.
 */
export function createSiteApi(settings: ApiSettings, pageUrl = window.location.href) {
  const apiUrl = resolveApiUrl(settings.apiUrl, pageUrl);
  const token = settings.token.trim();
  const client = hc<AppType>(apiUrl, { headers: token ? { Authorization: `Bearer ${token}` } : undefined });

  async function reach<R extends Response>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw unreachable(apiUrl, error);
    }
  }

  return {
    apiUrl,
    async runtimes(): Promise<RuntimeCatalog> {
      const response = await reach(() => client.runtimes.$get());
      if (!response.ok) throw await problemFromResponse(response, apiUrl);
      return response.json();
    },
    async submit(body: BuildRequestBody): Promise<Submitted> {
      const response = await reach(() => client.builds.$post({ json: body }));
      if (response.status !== 200 && response.status !== 202) throw await problemFromResponse(response, apiUrl);
      const answer = (await response.json()) as Submitted;
      return { build_id: answer.build_id, status: answer.status, cached: answer.cached };
    },
    async build(id: string): Promise<BuildView> {
      const response = await reach(() => client.builds[':id'].$get({ param: { id } }));
      if (!response.ok) throw await problemFromResponse(response, apiUrl);
      return response.json();
    },
    async logs(id: string): Promise<BuildLogs> {
      const response = await reach(() => client.builds[':id'].logs.$get({ param: { id } }));
      if (!response.ok) throw await problemFromResponse(response, apiUrl);
      return (await response.json()).logs;
    },
    /** Reachable, and (when /builds needs one) the token accepted: a made-up id answers 404. */
    async check(): Promise<string> {
      const health = await reach(() => client.health.$get());
      if (!health.ok) throw await problemFromResponse(health, apiUrl);
      const probe = await reach(() => client.builds[':id'].$get({ param: { id: 'connection-check' } }));
      if ((probe.status as number) === 401) throw await problemFromResponse(probe, apiUrl);
      return `Connected to ${apiUrl}${token ? '; the token is accepted' : ''}.`;
    },
  };
}
export type SiteApi = ReturnType<typeof createSiteApi>;
export { ApiProblem };
