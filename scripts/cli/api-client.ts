import { hc } from 'hono/client';
import type { AppType } from '../../api/app.js';

/** The typed client of the build service (local `npm start` or the deployed API). */
const REQUEST_TIMEOUT_MS = 30_000;

export function apiClient(baseUrl: string, token?: string) {
  return hc<AppType>(baseUrl.replace(/\/+$/, ''), {
    headers: token ? { Authorization: `Bearer ${token}` } : undefined,
    // A service that accepts the connection and never answers must not hang the CLI.
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  });
}
export type ApiClient = ReturnType<typeof apiClient>;

/** A refusal or failure from the service, with its details (e.g. requirement lines). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly details: Array<{ line?: number; field?: string; message: string }> = [],
  ) {
    super(message);
  }
}

export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: string; details?: ApiError['details'] } | undefined;
  return new ApiError(body?.error ?? `the service answered ${response.status} ${response.statusText}`, response.status, body?.details ?? []);
}
