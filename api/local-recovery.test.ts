import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newBuildRecord } from '../core/build-record.js';
import { createFileBuildStore } from '../core/local/file-build-store.js';
import { buildRequestSchema } from '../core/schemas.js';
import { INTERRUPTED_MESSAGE, recoverUnfinishedBuilds } from './local-recovery.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recovery-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const now = new Date();
const record = (id: string) =>
  newBuildRecord({ buildId: id, request: buildRequestSchema.parse({ requirements: 'x', python_version: '3.12' }), requestKey: id, now, ttlSeconds: 3600 });

describe('local recovery after a restart', () => {
  it('queues waiting builds again and fails interrupted ones; finished builds stay as they are', async () => {
    const before = createFileBuildStore({ dir });
    await before.create(record('waiting'));
    await before.create(record('running'));
    await before.claim('running', now);
    await before.create(record('done'));
    await before.claim('done', now);
    await before.failBuild('done', 'earlier failure', now);

    const after = createFileBuildStore({ dir });
    const sent: string[] = [];
    const result = await recoverUnfinishedBuilds({ store: after, queue: { send: async (id) => void sent.push(id), activeCount: async () => 0 } });

    expect(result).toEqual({ requeued: ['waiting'], failed: ['running'] });
    expect(sent).toEqual(['waiting']);
    expect(await after.get('running')).toMatchObject({ status: 'FAILED', error_message: INTERRUPTED_MESSAGE });
    expect(await after.get('done')).toMatchObject({ status: 'FAILED', error_message: 'earlier failure' });
    expect((await after.get('waiting'))?.status).toBe('QUEUED');
  });
});
