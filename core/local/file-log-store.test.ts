import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeLogStoreContract } from '../../test/contracts/log-store.contract.js';
import { createFileLogStore } from './file-log-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'file-log-store-'));
}

describeLogStoreContract('file log store', async () => {
  const dir = await tempDir();
  return { store: createFileLogStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('file log store', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lands overlapping writes in call order, leaving the last text and no temp files', async () => {
    const store = createFileLogStore({ dir });
    const snapshots = Array.from({ length: 20 }, (_, i) => `line\n`.repeat(i + 1));
    await Promise.all(snapshots.map((text) => store.write('b-1', 'x86_64', text)));
    expect(await store.read('b-1')).toEqual({ x86_64: snapshots.at(-1) });
    expect(await readdir(join(dir, 'logs', 'b-1'))).toEqual(['x86_64.log']);
  });

  it('reads logs written by an earlier store on the same directory', async () => {
    await createFileLogStore({ dir }).write('b-2', 'arm64', 'done\n');
    expect(await createFileLogStore({ dir }).read('b-2')).toEqual({ arm64: 'done\n' });
  });

  it('has no logs for ids that could leave the directory, and refuses to write them', async () => {
    const store = createFileLogStore({ dir });
    expect(await store.read('../b-3')).toEqual({});
    await expect(store.write('../b-3', 'x86_64', 'x')).rejects.toThrow(/not \[A-Za-z0-9-\]/);
  });
});
