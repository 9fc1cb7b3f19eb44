import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogStore } from '../ports.js';
import { ARCHITECTURES, type Architecture } from '../runtime-catalog.js';
import { isErrno, writeFileAtomic } from './atomic-file.js';
import { createKeyLock } from './key-lock.js';

export interface FileLogStoreOptions {
  /** Logs live in `<dir>/logs/<build id>/<architecture>.log`. */
  dir: string;
}

const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * LogStore on local files. Each write atomically replaces the architecture's whole log,
 * and writes to one log land in call order, so a reader never sees a torn or older text
 * after a newer one. Ids outside `[A-Za-z0-9-]{1,64}` have no logs.
 */
export function createFileLogStore(options: FileLogStoreOptions): LogStore {
  const lock = createKeyLock();
  const buildDir = (buildId: string) => join(options.dir, 'logs', buildId);

  return {
    async write(buildId, arch, text) {
      if (!BUILD_ID.test(buildId)) throw new Error(`build id ${JSON.stringify(buildId)} is not [A-Za-z0-9-]{1,64}`);
      if (!ARCHITECTURES.includes(arch)) throw new Error(`architecture ${JSON.stringify(arch)} is not known`);
      await lock.run(`${buildId}/${arch}`, async () => {
        await mkdir(buildDir(buildId), { recursive: true });
        await writeFileAtomic(join(buildDir(buildId), `${arch}.log`), text);
      });
    },

    async read(buildId) {
      const logs: Partial<Record<Architecture, string>> = {};
      if (!BUILD_ID.test(buildId)) return logs;
      for (const arch of ARCHITECTURES) {
        try {
          logs[arch] = await readFile(join(buildDir(buildId), `${arch}.log`), 'utf8');
        } catch (error) {
          if (!isErrno(error, 'ENOENT')) throw error;
        }
      }
      return logs;
    },
  };
}
