import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLocalConfig } from './local-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('local server configuration', () => {
  it('has working defaults and keeps one signing secret across restarts', () => {
    const first = parseLocalConfig({ LAYER_DATA_DIR: dir });
    expect(first).toMatchObject({ PORT: 8787, HOST: '127.0.0.1', LAYER_INDEX_URL: 'https://pypi.org/simple', publicUrl: 'http://127.0.0.1:8787', LAYER_CONCURRENCY: 2 });
    expect(parseLocalConfig({ LAYER_DATA_DIR: dir }).signingSecret).toBe(first.signingSecret);
  });

  it.each([
    [{ LAYER_INDEX_URL: 'not a url' }, 'LAYER_INDEX_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ LAYER_ARTIFACT_TTL_HOURS: '500' }, 'LAYER_ARTIFACT_TTL_HOURS'],
    [{ LAYER_API_TOKEN: 'short' }, 'LAYER_API_TOKEN'],
    [{ PORT: '0' }, 'LAYER_PUBLIC_URL'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => parseLocalConfig({ LAYER_DATA_DIR: dir, ...env })).toThrow(name);
  });
});
