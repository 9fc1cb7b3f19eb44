/** One requirement line (or request field) the API refused, as it answers in `details`. */
export interface RefusedDetail {
  line?: number;
  field?: string;
  message: string;
}

export type ProblemKind = 'unreachable' | 'token' | 'invalid' | 'not-found' | 'busy' | 'server';

/**
 * Why a call to the build service did not give what was asked, worded for the person at
 * the keyboard: `unreachable` (network, CORS, wrong URL), `token` (401), `invalid` (400
 * with line details), `not-found` (expired build), `busy` (429), `server` (anything else).
 */
export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly details: RefusedDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const KIND_OF_STATUS: Record<number, ProblemKind> = { 400: 'invalid', 401: 'token', 404: 'not-found', 413: 'invalid', 429: 'busy' };

/** Turns a refusal from the service into an ApiProblem, keeping its message and details. */
export async function problemFromResponse(response: Response, apiUrl: string): Promise<ApiProblem> {
  const body = (await response.json().catch(() => undefined)) as { error?: unknown; details?: unknown } | undefined;
  const kind = KIND_OF_STATUS[response.status] ?? 'server';
  const said = typeof body?.error === 'string' ? body.error : undefined;
  const details = Array.isArray(body?.details) ? (body.details as RefusedDetail[]) : [];
  if (kind === 'token') {
    return new ApiProblem(kind, `The build service at ${apiUrl} refused the token${said ? ` (${said})` : ''}. Set the right token in Settings.`);
  }
  if (!said && kind === 'server' && response.status === 404) {
    return new ApiProblem(kind, `${apiUrl} answered 404: it does not look like the layer build service. Check the API URL in Settings.`);
  }
  return new ApiProblem(kind, said ?? `The build service answered ${response.status} ${response.statusText}`.trim(), details);
}

export function unreachable(apiUrl: string, cause: unknown): ApiProblem {
  return new ApiProblem(
    'unreachable',
    `Could not reach the build service at ${apiUrl}. Is it running, and does it allow requests from this page? Check the API URL in Settings.`,
    [],
    { cause },
  );
}
