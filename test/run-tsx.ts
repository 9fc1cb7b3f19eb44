import { join } from 'node:path';

/** The project root, and how to run one of its TypeScript entry files from anywhere. */
export const PROJECT_ROOT = join(import.meta.dirname, '..');

export function tsxArgv(entry: string, args: string[] = []): [string, string[]] {
  return [join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, entry), ...args]];
}
