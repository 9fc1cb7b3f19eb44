import { readFileSync } from 'node:fs';

/**
 * The builder's Python helpers as text; each is written to a temporary file when used.
 * builder/pip-target-env.py and builder/import-check.py are the only sources: here they
 * are read beside this module, and a one-file bundle (which has no files beside it) gets
 * them inlined at bundle time by infra/lambda-bundle.ts.
 */
function helper(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

/** builder/pip-target-env.py: runs pip with the target runtime's marker environment. */
export const PIP_TARGET_ENV_PY = helper('pip-target-env.py');

/** builder/import-check.py: imports every top-level module of a layer and prints JSON. */
export const IMPORT_CHECK_PY = helper('import-check.py');
