import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newBuildRecord } from '../../core/build-record.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { BuildStore } from '../../core/ports.js';
import type { Architecture } from '../../core/runtime-catalog.js';
import { buildRequestSchema, type ArchReport, type BuildRecord, type StoredFile } from '../../core/schemas.js';

export interface BuildStoreFixture {
  store: BuildStore;
  cleanup(): Promise<void>;
}

const HOUR = 3600;

export function buildRecord(
  overrides: { requestKey?: string; now?: Date; ttlSeconds?: number; architectures?: Architecture[] } = {},
): BuildRecord {
  return newBuildRecord({
    buildId: randomUUID(),
    request: buildRequestSchema.parse({
      requirements: 'requests==2.32.3\n',
      python_version: '3.13',
      architectures: overrides.architectures ?? ['x86_64', 'arm64'],
    }),
    requestKey: overrides.requestKey ?? randomUUID(),
    now: overrides.now ?? new Date(),
    ttlSeconds: overrides.ttlSeconds ?? 24 * HOUR,
  });
}

export function archResult(arch: Architecture, buildId: string): { files: StoredFile[]; report: ArchReport } {
  const machine = arch === 'arm64' ? 'aarch64' : 'x86_64';
  const filename = `combined-python3.13-${machine}.zip`;
  return {
    files: [{ filename, key: `builds/${buildId}/${filename}`, architecture: arch, size: 1234, sha256: 'ab'.repeat(32) }],
    report: {
      architecture: arch,
      python_version: '3.13',
      strategy_used: 'wheels',
      platform_tags: [`manylinux_2_34_${machine}`],
      packages: [{ name: 'requests', version: '2.32.3', size: 400 }],
      unzipped_size: 400,
      zipped_size: 1234,
      largest_packages: [{ name: 'requests', version: '2.32.3', size: 400 }],
      removed_packages: [],
      warnings: [],
    },
  };
}

/**
 * The BuildStore port's behaviour, for every adapter: `makeStore` gives a fresh, empty
 * store per test and a cleanup for whatever it made.
 */
export function describeBuildStoreContract(name: string, makeStore: () => Promise<BuildStoreFixture>): void {
  describe(`BuildStore contract: ${name}`, () => {
    let fixture: BuildStoreFixture;
    let store: BuildStore;
    let start: number;
    const at = (minutes: number) => new Date(start + minutes * 60_000);

    beforeEach(async () => {
      start = Date.now();
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function created(overrides?: Parameters<typeof buildRecord>[0]): Promise<BuildRecord> {
      const record = buildRecord(overrides);
      await store.create(record);
      return record;
    }

    async function completed(overrides?: Parameters<typeof buildRecord>[0]): Promise<BuildRecord> {
      const record = await created(overrides);
      const id = record.build_id;
      await store.claim(id, at(1));
      let last = record;
      for (const arch of record.request.architectures) {
        await store.startArchitecture(id, arch, at(1));
        last = await store.completeArchitecture(id, arch, archResult(arch, id), at(2));
      }
      expect(last.status).toBe('COMPLETED');
      return last;
    }

    it('gives back the record it stored', async () => {
      const record = await created();
      expect(await store.get(record.build_id)).toEqual(record);
    });

    it('refuses to create a build id twice and keeps the first record', async () => {
      const record = await created();
      const again = { ...record, request_key: 'another-key' };
      await expect(store.create(again)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(record.build_id)).toEqual(record);
    });

    it('answers undefined for an unknown build', async () => {
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it('treats a build past its expiry as gone', async () => {
      const record = await created({ now: new Date(Date.now() - 2 * HOUR * 1000), ttlSeconds: HOUR });
      expect(await store.get(record.build_id)).toBeUndefined();
      expect(await store.claim(record.build_id, new Date())).toBe(false);
    });

    it('lets a queued build be claimed once, then never again', async () => {
      const record = await created();
      expect(await store.claim(record.build_id, at(1))).toBe(true);
      expect(await store.claim(record.build_id, at(2))).toBe(false);
      expect((await store.get(record.build_id))?.status).toBe('PROCESSING');
    });

    it('does not claim an unknown build', async () => {
      expect(await store.claim(randomUUID(), at(1))).toBe(false);
    });

    it('grants exactly one of 20 concurrent claims', async () => {
      const record = await created();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim(record.build_id, at(1))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get(record.build_id))?.status).toBe('PROCESSING');
    });

    it('marks an architecture BUILDING when it starts', async () => {
      const record = await created();
      await store.claim(record.build_id, at(1));
      const started = await store.startArchitecture(record.build_id, 'x86_64', at(2));
      expect(started.arches.x86_64).toMatchObject({ status: 'BUILDING', started_at: at(2).toISOString() });
      expect(started.arches.arm64?.status).toBe('QUEUED');
      expect(await store.get(record.build_id)).toEqual(started);
    });

    it('stays PROCESSING with one of two architectures done, COMPLETED with both', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'x86_64', at(1));
      await store.startArchitecture(id, 'arm64', at(1));

      const half = await store.completeArchitecture(id, 'x86_64', archResult('x86_64', id), at(2));
      expect(half.status).toBe('PROCESSING');
      expect(half.completed_at).toBeUndefined();
      expect(half.arches.x86_64?.files).toEqual(archResult('x86_64', id).files);

      const done = await store.completeArchitecture(id, 'arm64', archResult('arm64', id), at(3));
      expect(done.status).toBe('COMPLETED');
      expect(done.completed_at).toBe(at(3).toISOString());
      expect(await store.get(id)).toEqual(done);
    });

    it('completes a build whose two architectures finish at the same moment', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await Promise.all(record.request.architectures.map((arch) => store.startArchitecture(id, arch, at(1))));
      await Promise.all(
        record.request.architectures.map((arch) => store.completeArchitecture(id, arch, archResult(arch, id), at(2))),
      );
      const stored = await store.get(id);
      expect(stored?.status).toBe('COMPLETED');
      expect(stored?.arches.x86_64?.files).toHaveLength(1);
      expect(stored?.arches.arm64?.files).toHaveLength(1);
    });

    it('fails the build on the first failure, keeps its message, and a late completion does not revive it', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'x86_64', at(1));
      await store.startArchitecture(id, 'arm64', at(1));
      await store.completeArchitecture(id, 'x86_64', archResult('x86_64', id), at(2));

      const failed = await store.failArchitecture(id, 'arm64', 'numpy has no wheel for aarch64', at(3));
      expect(failed.status).toBe('FAILED');
      expect(failed.error_message).toContain('numpy has no wheel for aarch64');
      const firstMessage = failed.error_message;

      const second = await store.failBuild(id, 'instance terminated', at(4));
      expect(second.status).toBe('FAILED');
      expect(second.error_message).toBe(firstMessage);

      const late = await store.completeArchitecture(id, 'arm64', archResult('arm64', id), at(5));
      expect(late.status).toBe('FAILED');
      expect(await store.get(id)).toMatchObject({ status: 'FAILED', error_message: firstMessage });
    });

    it('keeps a build PROCESSING after one architecture fails until the other has finished', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'x86_64', at(1));
      await store.startArchitecture(id, 'arm64', at(1));
      const failed = await store.failArchitecture(id, 'arm64', 'numpy has no wheel for aarch64', at(2));
      expect(failed).toMatchObject({ status: 'PROCESSING', error_message: 'arm64: numpy has no wheel for aarch64' });
      const done = await store.completeArchitecture(id, 'x86_64', archResult('x86_64', id), at(3));
      expect(done.status).toBe('FAILED');
      expect(done.arches.x86_64?.files.length).toBeGreaterThan(0);
      expect(await store.get(id)).toMatchObject({ status: 'FAILED', error_message: 'arm64: numpy has no wheel for aarch64' });
    });

    it('fails a build that never got claimed, e.g. when its message ran out of retries', async () => {
      const record = await created();
      const failed = await store.failBuild(record.build_id, 'message exhausted its retries', at(1));
      expect(failed).toMatchObject({ status: 'FAILED', error_message: 'message exhausted its retries' });
      expect(await store.claim(record.build_id, at(2))).toBe(false);
    });

    it('leaves a COMPLETED build COMPLETED when asked to fail it', async () => {
      const done = await completed();
      const after = await store.failBuild(done.build_id, 'reaper: instance gone', at(10));
      expect(after.status).toBe('COMPLETED');
      expect(after.error_message).toBeUndefined();
      expect(await store.get(done.build_id)).toEqual(done);
    });

    it('throws NotFoundError for transitions of an unknown build', async () => {
      const id = randomUUID();
      await expect(store.startArchitecture(id, 'x86_64', at(1))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.completeArchitecture(id, 'x86_64', archResult('x86_64', id), at(1))).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(store.failArchitecture(id, 'x86_64', 'boom', at(1))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.failBuild(id, 'boom', at(1))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists the QUEUED and PROCESSING builds, oldest first, and nothing finished or expired', async () => {
      const old = await created({ now: new Date(start - 30 * 60_000) });
      const processing = await created({ now: new Date(start - 20 * 60_000) });
      await store.claim(processing.build_id, at(0));
      const failed = await created();
      await store.failBuild(failed.build_id, 'boom', at(1));
      await completed();
      await created({ now: new Date(start - 2 * HOUR * 1000), ttlSeconds: HOUR });

      const unfinished = await store.listUnfinished();
      expect(unfinished.map((record) => [record.build_id, record.status])).toEqual([
        [old.build_id, 'QUEUED'],
        [processing.build_id, 'PROCESSING'],
      ]);
      expect(unfinished[1]).toEqual(await store.get(processing.build_id));
    });

    it('grants one retry per architecture, tells a repeated end from another instance, and keeps the record clean', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'x86_64', at(1));

      expect(await store.grantRetry(id, 'x86_64', 'i-0aaa', at(5))).toBe('granted');
      expect(await store.grantRetry(id, 'x86_64', 'i-0aaa', at(6))).toBe('repeat');
      expect(await store.grantRetry(id, 'x86_64', 'i-0bbb', at(7))).toBe('used');
      expect(await store.grantRetry(id, 'arm64', 'i-0ccc', at(8))).toBe('granted');

      const stored = await store.get(id);
      expect(Object.keys(stored ?? {}).sort()).toEqual(Object.keys(record).sort());
      expect(stored).toMatchObject({ status: 'PROCESSING', updated_at: at(8).toISOString() });
      expect(stored?.arches.x86_64?.status).toBe('BUILDING');
      expect((await store.listUnfinished()).find((r) => r.build_id === id)).toEqual(stored);
    });

    it('remembers a granted retry through later transitions', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'x86_64', at(1));
      expect(await store.grantRetry(id, 'x86_64', 'i-0aaa', at(5))).toBe('granted');
      await store.startArchitecture(id, 'arm64', at(6));
      await store.completeArchitecture(id, 'arm64', archResult('arm64', id), at(7));
      expect(await store.grantRetry(id, 'x86_64', 'i-0bbb', at(20))).toBe('used');
      expect(await store.grantRetry(id, 'x86_64', 'i-0aaa', at(21))).toBe('repeat');
    });

    it('grants no retry to a finished architecture, a finished build or an unknown build', async () => {
      const record = await created();
      const id = record.build_id;
      await store.claim(id, at(1));
      await store.startArchitecture(id, 'arm64', at(1));
      await store.completeArchitecture(id, 'arm64', archResult('arm64', id), at(2));
      expect(await store.grantRetry(id, 'arm64', 'i-0aaa', at(3))).toBe('final');

      await store.failArchitecture(id, 'x86_64', 'boom', at(4));
      expect(await store.grantRetry(id, 'x86_64', 'i-0bbb', at(5))).toBe('final');
      expect(await store.grantRetry(randomUUID(), 'x86_64', 'i-0ccc', at(5))).toBe('final');
    });

    it('grants exactly one of 10 concurrent retries of one architecture', async () => {
      const record = await created();
      await store.claim(record.build_id, at(1));
      const grants = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.grantRetry(record.build_id, 'x86_64', `i-0${i}`, at(2))),
      );
      expect(grants.filter((grant) => grant === 'granted')).toHaveLength(1);
      expect(grants.filter((grant) => grant === 'used')).toHaveLength(9);
    });

    it('finds a COMPLETED, unexpired build by request key', async () => {
      const done = await completed();
      expect(await store.findReusable(done.request_key, new Date())).toEqual(done);
    });

    it('does not reuse builds that are queued, failed, expired or made from another request', async () => {
      const requestKey = randomUUID();
      await created({ requestKey });
      const failed = await created({ requestKey });
      await store.failBuild(failed.build_id, 'boom', at(1));
      await completed();
      expect(await store.findReusable(requestKey, new Date())).toBeUndefined();

      const done = await completed({ requestKey, ttlSeconds: HOUR });
      expect(await store.findReusable(requestKey, new Date())).toEqual(done);
      expect(await store.findReusable(requestKey, new Date((done.expires_at + 1) * 1000))).toBeUndefined();
    });
  });
}
