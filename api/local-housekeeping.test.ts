import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newBuildRecord } from '../core/build-record.js';
import { createFileBuildStore } from '../core/local/file-build-store.js';
import { createFileLogStore } from '../core/local/file-log-store.js';
import { buildRequestSchema } from '../core/schemas.js';
import { clearWorkDir, localPaths, purgeExpiredBuilds } from './local-housekeeping.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'housekeeping-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const request = buildRequestSchema.parse({ requirements: 'x', python_version: '3.12' });

describe('local housekeeping', () => {
  it('deletes expired builds with their zips and logs, and keeps live ones', async () => {
    const created = new Date('2026-12-01T00:00:00Z');
    let clock = created;
    const store = createFileBuildStore({ dir, now: () => clock });
    await store.create(newBuildRecord({ buildId: 'old', request, requestKey: 'k', now: created, ttlSeconds: 3600 }));
    await store.create(newBuildRecord({ buildId: 'new', request, requestKey: 'k', now: created, ttlSeconds: 86_400 * 7 }));
    for (const id of ['old', 'new']) {
      await mkdir(join(localPaths(dir).artifacts, 'builds', id), { recursive: true });
      await writeFile(join(localPaths(dir).artifacts, 'builds', id, 'combined-python3.12-x86_64.zip'), 'zip');
      await createFileLogStore({ dir }).write(id, 'x86_64', 'log');
    }

    clock = new Date('2026-12-02T00:00:00Z');
    expect(await purgeExpiredBuilds({ store, dataDir: dir, now: () => clock })).toEqual(['old']);
    expect(existsSync(join(dir, 'builds', 'old.json'))).toBe(false);
    expect(existsSync(join(localPaths(dir).artifacts, 'builds', 'old'))).toBe(false);
    expect(existsSync(join(dir, 'logs', 'old'))).toBe(false);
    expect(await store.get('new')).toBeDefined();
    expect(existsSync(join(localPaths(dir).artifacts, 'builds', 'new', 'combined-python3.12-x86_64.zip'))).toBe(true);
    expect(await createFileLogStore({ dir }).read('new')).toEqual({ x86_64: 'log' });
  });

  it('skips an unreadable record instead of refusing every new build, and leaves it on disk', async () => {
    await mkdir(join(dir, 'builds'), { recursive: true });
    await writeFile(join(dir, 'builds', 'broken.json'), '');
    const unreadable: string[] = [];
    const store = createFileBuildStore({ dir, onUnreadable: (path) => unreadable.push(path) });
    await store.create(newBuildRecord({ buildId: 'fine', request, requestKey: 'k', now: new Date(), ttlSeconds: 3600 }));
    expect(await store.findReusable('k', new Date())).toBeUndefined();
    expect(unreadable).toEqual([join(dir, 'builds', 'broken.json')]);
    expect(existsSync(join(dir, 'builds', 'broken.json'))).toBe(true);
  });

  it('empties the builder scratch space left by an interrupted build', async () => {
    const { work } = localPaths(dir);
    await mkdir(join(work, 'layer-build-abc'), { recursive: true });
    await writeFile(join(work, 'layer-build-abc', 'big.whl'), 'x');
    await clearWorkDir(dir);
    expect(existsSync(join(work, 'layer-build-abc'))).toBe(false);
    expect(existsSync(work)).toBe(true);
  });
});
