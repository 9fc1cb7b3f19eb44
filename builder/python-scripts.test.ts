import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IMPORT_CHECK_PY, PIP_TARGET_ENV_PY } from './python-scripts.js';

describe('embedded Python helpers', () => {
  it.each([
    ['pip-target-env.py', PIP_TARGET_ENV_PY],
    ['import-check.py', IMPORT_CHECK_PY],
  ])('carries builder/%s unchanged (copy the file into python-scripts.ts when it changes)', async (name, text) => {
    expect(text).toBe(await readFile(new URL(`./${name}`, import.meta.url), 'utf8'));
  });
});
