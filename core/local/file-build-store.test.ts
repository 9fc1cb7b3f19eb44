import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archResult, buildRecord, describeBuildStoreContract } from '../../test/contracts/build-store.contract.js';
import { createFileBuildStore } from './file-build-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'file-build-store-'));
}

describeBuildStoreContract('file build store', async () => {
  const dir = await tempDir();
  return { store: createFileBuildStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('file build store', () => {
  let dir: string;
  const now = new Date();

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps one JSON file per build under builds/', async () => {
    const record = buildRecord();
    await createFileBuildStore({ dir }).create(record);
    expect(await readdir(join(dir, 'builds'))).toEqual([`${record.build_id}.json`]);
    expect(JSON.parse(await readFile(join(dir, 'builds', `${record.build_id}.json`), 'utf8'))).toEqual(record);
  });

  it('sees every build and reusable result after a restart on the same directory', async () => {
    const before = createFileBuildStore({ dir });
    const queued = buildRecord();
    const done = buildRecord({ architectures: ['x86_64'] });
    await before.create(queued);
    await before.create(done);
    await before.claim(done.build_id, now);
    await before.startArchitecture(done.build_id, 'x86_64', now);
    const completed = await before.completeArchitecture(done.build_id, 'x86_64', archResult('x86_64', done.build_id), now);

    const after = createFileBuildStore({ dir });
    expect(await after.get(queued.build_id)).toEqual(queued);
    expect(await after.findReusable(done.request_key, now)).toEqual(completed);
    expect(await after.claim(done.build_id, now)).toBe(false);
    expect(await after.claim(queued.build_id, now)).toBe(true);
  });

  it('ignores a temp file left by a write interrupted mid-way', async () => {
    const store = createFileBuildStore({ dir });
    const record = buildRecord();
    await store.create(record);
    const leftover = join(dir, 'builds', `.${record.build_id}.json.0b5c1f7e.tmp`);
    await writeFile(leftover, '{"build_id": "half-writ');

    const restarted = createFileBuildStore({ dir });
    expect(await restarted.get(record.build_id)).toEqual(record);
    expect(await restarted.findReusable(record.request_key, now)).toBeUndefined();
    expect(await restarted.claim(record.build_id, now)).toBe(true);
    expect((await restarted.get(record.build_id))?.status).toBe('PROCESSING');
  });

  it('leaves no temp files behind after writes', async () => {
    const store = createFileBuildStore({ dir });
    const record = buildRecord();
    await store.create(record);
    await Promise.all(Array.from({ length: 5 }, () => store.claim(record.build_id, now)));
    await store.failBuild(record.build_id, 'boom', now);
    expect(await readdir(join(dir, 'builds'))).toEqual([`${record.build_id}.json`]);
  });

  it('finds no build for ids that could leave the directory', async () => {
    const outside = buildRecord();
    await writeFile(join(dir, 'outside.json'), JSON.stringify(outside));
    const store = createFileBuildStore({ dir });
    for (const id of ['../outside', '..', '', 'a/b', 'a\\b', 'x'.repeat(65)]) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.claim(id, now)).toBe(false);
    }
    await expect(store.create({ ...outside, build_id: '../outside' })).rejects.toThrow(/not \[A-Za-z0-9-\]/);
  });

  it('reads a record as gone once its expiry passes on the store clock', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const store = createFileBuildStore({ dir, now: () => clock });
    const record = buildRecord({ now: clock, ttlSeconds: 60 });
    await store.create(record);
    expect(await store.get(record.build_id)).toEqual(record);
    clock = new Date('2026-01-01T00:01:00Z');
    expect(await store.get(record.build_id)).toBeUndefined();
  });
});
