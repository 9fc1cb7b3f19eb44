import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../core/ports.js';

export interface ArtifactStoreFixture {
  store: ArtifactStore;
  /** Downloads what a link from `store.downloadUrl` serves; 'expired' when it refuses an expired link. */
  fetchBytes(url: string): Promise<Buffer | 'expired'>;
  cleanup(): Promise<void>;
}

/**
 * The ArtifactStore port's behaviour, for every adapter: bytes put under a key come back
 * unchanged through the store's own download link, until the link expires.
 */
export function describeArtifactStoreContract(name: string, makeStore: () => Promise<ArtifactStoreFixture>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let sources: string;
    const inAnHour = () => new Date(Date.now() + 3600_000);

    beforeEach(async () => {
      fixture = await makeStore();
      sources = await mkdtemp(join(tmpdir(), 'artifact-sources-'));
    });
    afterEach(async () => {
      await fixture.cleanup();
      await rm(sources, { recursive: true, force: true });
    });

    async function sourceFile(bytes: Buffer): Promise<string> {
      const path = join(sources, randomUUID());
      await writeFile(path, bytes);
      return path;
    }

    const zipKey = (buildId: string, arch = 'x86_64') => `builds/${buildId}/combined-python3.13-${arch}.zip`;

    it('downloads exactly the bytes that were put', async () => {
      const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(64 * 1024)]);
      const key = zipKey(randomUUID());
      await fixture.store.putFile(key, await sourceFile(bytes), 'application/zip');
      const url = await fixture.store.downloadUrl(key, 'combined-python3.13-x86_64.zip', inAnHour());
      expect(await fixture.fetchBytes(url)).toEqual(bytes);
    });

    it('keeps files of different keys apart', async () => {
      const buildId = randomUUID();
      const first = randomBytes(100);
      const second = randomBytes(200);
      await fixture.store.putFile(zipKey(buildId, 'x86_64'), await sourceFile(first), 'application/zip');
      await fixture.store.putFile(zipKey(buildId, 'aarch64'), await sourceFile(second), 'application/zip');
      const url = (key: string) => fixture.store.downloadUrl(key, 'layer.zip', inAnHour());
      expect(await fixture.fetchBytes(await url(zipKey(buildId, 'x86_64')))).toEqual(first);
      expect(await fixture.fetchBytes(await url(zipKey(buildId, 'aarch64')))).toEqual(second);
    });

    it('replaces a key put twice with the second file', async () => {
      const key = zipKey(randomUUID());
      await fixture.store.putFile(key, await sourceFile(randomBytes(5000)), 'application/zip');
      const latest = randomBytes(10);
      await fixture.store.putFile(key, await sourceFile(latest), 'application/zip');
      expect(await fixture.fetchBytes(await fixture.store.downloadUrl(key, 'layer.zip', inAnHour()))).toEqual(latest);
    });

    it('refuses a link whose expiry has passed', async () => {
      const key = zipKey(randomUUID());
      await fixture.store.putFile(key, await sourceFile(randomBytes(10)), 'application/zip');
      const url = await fixture.store.downloadUrl(key, 'layer.zip', new Date(Date.now() - 60_000));
      expect(await fixture.fetchBytes(url)).toBe('expired');
    });
  });
}
