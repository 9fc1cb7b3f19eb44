import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogStore } from '../../core/ports.js';

export interface LogStoreFixture {
  store: LogStore;
  cleanup(): Promise<void>;
}

/** The LogStore port's behaviour, for every adapter: the latest whole text per architecture. */
export function describeLogStoreContract(name: string, makeStore: () => Promise<LogStoreFixture>): void {
  describe(`LogStore contract: ${name}`, () => {
    let fixture: LogStoreFixture;
    let store: LogStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('reads nothing for a build that has no logs', async () => {
      expect(await store.read(randomUUID())).toEqual({});
    });

    it('reads back what was written, only for the architectures written', async () => {
      const id = randomUUID();
      await store.write(id, 'arm64', 'Collecting requests==2.32.3\n');
      expect(await store.read(id)).toEqual({ arm64: 'Collecting requests==2.32.3\n' });
    });

    it('replaces the whole text on each write, even with a shorter one', async () => {
      const id = randomUUID();
      await store.write(id, 'x86_64', 'line 1\nline 2\nline 3 is rather long\n');
      await store.write(id, 'x86_64', 'short\n');
      expect(await store.read(id)).toEqual({ x86_64: 'short\n' });
    });

    it('keeps architectures and builds apart', async () => {
      const first = randomUUID();
      const second = randomUUID();
      await store.write(first, 'x86_64', 'first x86_64');
      await store.write(first, 'arm64', 'first arm64');
      await store.write(second, 'x86_64', 'second x86_64');
      expect(await store.read(first)).toEqual({ x86_64: 'first x86_64', arm64: 'first arm64' });
      expect(await store.read(second)).toEqual({ x86_64: 'second x86_64' });
    });

    it('keeps non-ASCII text and an empty log as written', async () => {
      const id = randomUUID();
      await store.write(id, 'x86_64', 'Résumé: ✓ numpy 2.1 — 12 MB\n');
      await store.write(id, 'arm64', '');
      expect(await store.read(id)).toEqual({ x86_64: 'Résumé: ✓ numpy 2.1 — 12 MB\n', arm64: '' });
    });
  });
}
