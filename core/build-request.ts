import { createHash } from 'node:crypto';
import type { ZodError } from 'zod';
import { ValidationError, type ErrorDetail } from './errors.js';
import { formatRequirement, parseRequirements, type Requirement } from './requirements.js';
import { buildRequestSchema, type BuildRequest } from './schemas.js';

export interface ValidBuildRequest {
  request: BuildRequest;
  requirements: Requirement[];
  /** Same packages, runtime and options -> same key, whatever the spacing or comments. */
  requestKey: string;
}

function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    field: issue.path.join('.') || undefined,
    message: issue.message,
  }));
}

/** Checks a POST /builds body; throws ValidationError with one detail per problem. */
export function validateBuildRequest(body: unknown): ValidBuildRequest {
  const parsed = buildRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The build request is not valid', zodDetails(parsed.error));
  const request = parsed.data;
  const { requirements, issues } = parseRequirements(request.requirements);
  if (issues.length > 0) {
    throw new ValidationError(
      `requirements have ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
      issues.map((issue) => ({ line: issue.line, field: 'requirements', message: issue.message })),
    );
  }
  return { request, requirements, requestKey: requestKeyOf(request, requirements) };
}

export function requestKeyOf(request: BuildRequest, requirements: Requirement[]): string {
  const canonical = {
    // Names as PEP 503 keys and lines in order, so `IDNA` and `idna`, or a reordered file, share a build.
    requirements: requirements.map((requirement) => formatRequirement({ ...requirement, name: requirement.key, extras: [...requirement.extras].sort() })).sort(),
    python_version: request.python_version,
    architectures: [...request.architectures].sort(),
    single_file: request.single_file,
    strategy: request.strategy,
    exclude_runtime_sdk: request.exclude_runtime_sdk,
    slim: request.slim,
    layout: request.layout,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
