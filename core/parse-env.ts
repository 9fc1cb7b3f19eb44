import type { z } from 'zod';

/**
 * Parses an entry point's environment once with its zod schema. A missing or bad value
 * throws one Error naming every such variable, e.g.
 * "bad worker configuration: TABLE_NAME: Invalid input; MAX_BUILD_MINUTES: ...".
 */
export function parseEnv<Schema extends z.ZodType>(schema: Schema, env: Record<string, string | undefined>, what: string): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  // The first path element is the variable; deeper ones are list positions inside it.
  const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; ');
  throw new Error(`bad ${what} configuration: ${problems}`);
}
