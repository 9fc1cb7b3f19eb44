import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as transitions from '../build-record.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { BuildStore, RetryGrant } from '../ports.js';
import type { Architecture } from '../runtime-catalog.js';
import type { BuildRecord } from '../schemas.js';
import { createFileExclusive, isErrno, writeFileAtomic } from './atomic-file.js';
import { createKeyLock } from './key-lock.js';

export interface FileBuildStoreOptions {
  /** Root of the local data; records live in `<dir>/builds/<id>.json`. */
  dir: string;
  /** Clock for expiry in `get` and transitions; defaults to the system clock. */
  now?: () => Date;
  /** Told about a record file that cannot be read; it is skipped and left on disk. */
  onUnreadable?: (path: string, error: unknown) => void;
}

const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;
const RECORD_FILE = /^([A-Za-z0-9-]{1,64})\.json$/;
/** Key beside the record in its file: architecture -> the instance whose end gave it a retry. */
const RELAUNCHES = 'relaunches';

type Relaunches = Partial<Record<Architecture, string>>;
interface Stored {
  record: BuildRecord;
  relaunches: Relaunches | undefined;
}

/**
 * BuildStore on local files, one JSON file per build, each write atomic. Transitions are
 * serialized per build id and computed by core/build-record.ts, so `claim` succeeds once
 * however many callers race. One process owns the directory: the request-key index is
 * rebuilt from the files when the store is first used and kept in memory after that.
 * Expired records read as absent. Ids outside `[A-Za-z0-9-]{1,64}` name no build.
 */
export interface FileBuildStore extends BuildStore {
  /** Deletes the records whose lifetime is over; answers their ids (their files go next). */
  deleteExpired(at: Date): Promise<string[]>;
}

export function createFileBuildStore(options: FileBuildStoreOptions): FileBuildStore {
  const buildsDir = join(options.dir, 'builds');
  const now = options.now ?? (() => new Date());
  const lock = createKeyLock();
  const onUnreadable = options.onUnreadable ?? ((path, error) => console.error(`skipping unreadable build record ${path}`, error));
  let index: Promise<Map<string, Set<string>>> | undefined;

  const pathOf = (buildId: string) => join(buildsDir, `${buildId}.json`);

  function loadIndex(): Promise<Map<string, Set<string>>> {
    index ??= rebuildIndex(buildsDir, onUnreadable).catch((error: unknown) => {
      index = undefined;
      throw error;
    });
    return index;
  }

  async function readStored(buildId: string): Promise<Stored | undefined> {
    if (!BUILD_ID.test(buildId)) return undefined;
    try {
      const { [RELAUNCHES]: relaunches, ...record } = JSON.parse(await readFile(pathOf(buildId), 'utf8')) as BuildRecord & {
        [RELAUNCHES]?: Relaunches;
      };
      return { record, relaunches };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  async function readRecord(buildId: string): Promise<BuildRecord | undefined> {
    return (await readStored(buildId))?.record;
  }

  async function readLiveStored(buildId: string): Promise<Stored | undefined> {
    const stored = await readStored(buildId);
    return stored && !isExpired(stored.record, now()) ? stored : undefined;
  }

  async function readLive(buildId: string): Promise<BuildRecord | undefined> {
    return (await readLiveStored(buildId))?.record;
  }

  function write(record: BuildRecord, relaunches: Relaunches | undefined): Promise<void> {
    return writeFileAtomic(pathOf(record.build_id), JSON.stringify(relaunches ? { ...record, [RELAUNCHES]: relaunches } : record));
  }

  /** Read, transform, write back under the build's lock; unchanged records are not rewritten. */
  function update(buildId: string, change: (record: BuildRecord) => BuildRecord): Promise<BuildRecord> {
    return lock.run(buildId, async () => {
      const stored = await readLiveStored(buildId);
      if (!stored) throw new NotFoundError(`build ${buildId} not found`);
      const next = change(stored.record);
      if (next !== stored.record) await write(next, stored.relaunches);
      return next;
    });
  }

  return {
    async create(record) {
      if (!BUILD_ID.test(record.build_id)) {
        throw new Error(`build id ${JSON.stringify(record.build_id)} is not [A-Za-z0-9-]{1,64}`);
      }
      const keys = await loadIndex();
      await mkdir(buildsDir, { recursive: true });
      const created = await lock.run(record.build_id, () =>
        createFileExclusive(pathOf(record.build_id), JSON.stringify(record)),
      );
      if (!created) throw new ConflictError(`build ${record.build_id} already exists`);
      addToIndex(keys, record);
    },

    get: readLive,

    async findReusable(requestKey, at) {
      const ids = (await loadIndex()).get(requestKey) ?? new Set<string>();
      let best: BuildRecord | undefined;
      for (const id of ids) {
        const record = await readRecord(id);
        if (!record || record.status !== 'COMPLETED' || isExpired(record, at)) continue;
        if (!best || record.expires_at > best.expires_at) best = record;
      }
      return best;
    },

    async claim(buildId, at) {
      return lock.run(buildId, async () => {
        const stored = await readLiveStored(buildId);
        const next = stored && transitions.claimBuild(stored.record, at);
        if (!next) return false;
        await write(next, stored.relaunches);
        return true;
      });
    },

    startArchitecture: (buildId, arch, at) => update(buildId, (r) => transitions.startArchitecture(r, arch, at)),
    completeArchitecture: (buildId, arch, result, at) =>
      update(buildId, (r) => transitions.completeArchitecture(r, arch, result, at)),
    failArchitecture: (buildId, arch, message, at) =>
      update(buildId, (r) => transitions.failArchitecture(r, arch, message, at)),
    failBuild: (buildId, message, at) => update(buildId, (r) => transitions.failBuild(r, message, at)),

    async listUnfinished() {
      const unfinished: BuildRecord[] = [];
      for (const ids of (await loadIndex()).values()) {
        for (const id of ids) {
          const record = await readLive(id);
          if (record && !transitions.isFinal(record)) unfinished.push(record);
        }
      }
      return unfinished.sort((a, b) => a.created_at.localeCompare(b.created_at));
    },

    async deleteExpired(at) {
      const deleted: string[] = [];
      for (const [key, ids] of await loadIndex()) {
        for (const id of [...ids]) {
          const gone = await lock.run(id, async () => {
            const record = await readRecord(id);
            if (record && !isExpired(record, at)) return false;
            await rm(pathOf(id), { force: true });
            return true;
          });
          if (!gone) continue;
          ids.delete(id);
          deleted.push(id);
        }
        if (ids.size === 0) (await loadIndex()).delete(key);
      }
      return deleted;
    },

    grantRetry(buildId, arch, endedInstanceId, at) {
      return lock.run(buildId, async (): Promise<RetryGrant> => {
        const stored = await readLiveStored(buildId);
        const state = stored?.record.arches[arch];
        if (!stored || transitions.isFinal(stored.record) || !state || state.status === 'COMPLETED' || state.status === 'FAILED') return 'final';
        const earlier = stored.relaunches?.[arch];
        if (earlier !== undefined) return earlier === endedInstanceId ? 'repeat' : 'used';
        await write({ ...stored.record, updated_at: at.toISOString() }, { ...stored.relaunches, [arch]: endedInstanceId });
        return 'granted';
      });
    },
  };
}

function isExpired(record: BuildRecord, at: Date): boolean {
  return record.expires_at * 1000 <= at.getTime();
}

function addToIndex(keys: Map<string, Set<string>>, record: BuildRecord): void {
  const ids = keys.get(record.request_key) ?? new Set<string>();
  ids.add(record.build_id);
  keys.set(record.request_key, ids);
}

async function rebuildIndex(buildsDir: string, onUnreadable: (path: string, error: unknown) => void): Promise<Map<string, Set<string>>> {
  const keys = new Map<string, Set<string>>();
  let names: string[];
  try {
    names = await readdir(buildsDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return keys;
    throw error;
  }
  for (const name of names) {
    if (!RECORD_FILE.test(name)) continue;
    const path = join(buildsDir, name);
    try {
      addToIndex(keys, JSON.parse(await readFile(path, 'utf8')) as BuildRecord);
    } catch (error) {
      // One damaged file must not stop every new build; it stays on disk for a person to look at.
      onUnreadable(path, error);
    }
  }
  return keys;
}
