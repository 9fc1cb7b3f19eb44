import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testClient } from 'hono/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiskArtifactStore } from '../core/local/disk-artifact-store.js';
import { createFileBuildStore } from '../core/local/file-build-store.js';
import { createFileLogStore } from '../core/local/file-log-store.js';
import type { BuildQueue, BuildStore } from '../core/ports.js';
import { createApp, type AppDeps } from './app.js';

const now = new Date('2026-12-03T12:00:00Z');
const good = { requirements: 'requests==2.32.4\nnumpy\n', python_version: '3.13' as const, architectures: ['x86_64', 'arm64'] as const };

let dir: string;
let sent: string[];
let active: number | undefined;
let queueFails: boolean;
let store: BuildStore;
let reported: string[];

function makeDeps(overrides: Partial<AppDeps['config']> = {}): AppDeps {
  const queue: BuildQueue = {
    async send(id) {
      if (queueFails) throw new Error('SQS throttled');
      sent.push(id);
    },
    async activeCount() {
      return active;
    },
  };
  let n = 0;
  return {
    store,
    queue,
    artifacts: createDiskArtifactStore({ dir: join(dir, 'artifacts'), baseUrl: 'http://127.0.0.1:9', secret: 'x'.repeat(32), now: () => now }),
    logs: createFileLogStore({ dir: join(dir, 'logs') }),
    config: { artifactTtlSeconds: 86_400, maxActiveBuilds: 10, allowedOrigins: ['https://site.example'], ...overrides },
    now: () => now,
    newId: () => `build-${++n}`,
    report: (message) => reported.push(message),
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'app-test-'));
  store = createFileBuildStore({ dir, now: () => now });
  sent = [];
  active = 0;
  queueFails = false;
  reported = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('POST /builds', () => {
  it('queues a good request and answers the seed fields', async () => {
    const client = testClient(createApp(makeDeps()));
    const response = await client.builds.$post({ json: { ...good, architectures: ['x86_64', 'arm64'] } });
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ build_id: 'build-1', status: 'QUEUED', expires_at: now.getTime() / 1000 + 86_400 });
    expect(sent).toEqual(['build-1']);
    expect((await store.get('build-1'))?.status).toBe('QUEUED');
  });

  it('refuses lines that point pip elsewhere, one detail per line, and queues nothing (CASES 18)', async () => {
    const client = testClient(createApp(makeDeps()));
    const requirements = 'requests\ngit+https://github.com/x/y.git\n--index-url https://evil.example/simple\n-e .\n';
    const response = await client.builds.$post({ json: { ...good, architectures: ['x86_64'], requirements } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as unknown as { error: string; details: Array<{ line: number; message: string }> };
    expect(body.details.map((d) => d.line)).toEqual([2, 3, 4]);
    expect(sent).toEqual([]);
    expect(await store.get('build-1')).toBeUndefined();
  });

  it('names the field of a bad python version with the supported list', async () => {
    const app = createApp(makeDeps());
    const response = await app.request('/builds', { method: 'POST', body: JSON.stringify({ ...good, python_version: '3.9' }), headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'The build request is not valid',
      details: [{ field: 'python_version', message: 'python_version must be one of 3.10, 3.11, 3.12, 3.13, 3.14 (got "3.9")' }],
    });
  });

  it.each([
    ['malformed JSON', '{"requirements": '],
    ['a JSON array', '[]'],
    ['a JSON string', '"numpy"'],
    ['null', 'null'],
  ])('answers 400, not 500, to %s', async (_, body) => {
    const response = await createApp(makeDeps()).request('/builds', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBeTruthy();
  });

  it('answers 413 to a huge body', async () => {
    const body = JSON.stringify({ ...good, requirements: 'a\n'.repeat(200_000) });
    const response = await createApp(makeDeps()).request('/builds', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(413);
  });

  it('answers 415 when the body is not sent as JSON', async () => {
    const response = await createApp(makeDeps()).request('/builds', { method: 'POST', body: JSON.stringify(good), headers: { 'Content-Type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: string }).error).toContain('Content-Type: application/json');
  });

  it('admits no more than the limit when many requests arrive at once', async () => {
    const deps = makeDeps({ maxActiveBuilds: 10 });
    deps.queue.activeCount = async () => sent.length;
    const client = testClient(createApp(deps));
    const responses = await Promise.all(
      Array.from({ length: 13 }, (_, i) => client.builds.$post({ json: { ...good, architectures: ['x86_64'], requirements: `pkg${i}\n` } })),
    );
    expect(responses.filter((r) => r.status === 202)).toHaveLength(10);
    expect(responses.filter((r) => (r.status as number) === 429)).toHaveLength(3);
    expect(sent).toHaveLength(10);
  });

  it('answers 429 when the active builds reach the limit', async () => {
    active = 3;
    const client = testClient(createApp(makeDeps({ maxActiveBuilds: 3 })));
    const response = await client.builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    expect(response.status).toBe(429);
    expect(sent).toEqual([]);
  });

  it('accepts the build when the active count cannot be read, and says so in the log', async () => {
    active = undefined;
    const deps = makeDeps({ maxActiveBuilds: 1 });
    deps.queue.activeCount = async () => {
      throw new Error('GetQueueAttributes denied');
    };
    const response = await testClient(createApp(deps)).builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    expect(response.status).toBe(202);
    expect(reported.join()).toContain('active builds');
  });

  it('answers 503 and fails the record when the queue refuses the message', async () => {
    queueFails = true;
    const response = await testClient(createApp(makeDeps())).builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    expect(response.status).toBe(503);
    const record = await store.get('build-1');
    expect(record?.status).toBe('FAILED');
    expect(record?.error_message).toContain('could not be queued');
  });

  it('answers 503 with Retry-After when the store is throttled, and writes nothing', async () => {
    const deps = makeDeps();
    deps.store.create = async () => {
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ProvisionedThroughputExceededException',
        $retryable: { throttling: true },
        $metadata: { httpStatusCode: 400 },
      });
    };
    const response = await testClient(createApp(deps)).builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(sent).toEqual([]);
    expect(await store.get('build-1')).toBeUndefined();
  });

  it('answers an identical request from the finished build, unless no_cache', async () => {
    const deps = makeDeps();
    const client = testClient(createApp(deps));
    await client.builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    await store.claim('build-1', now);
    const report = { architecture: 'x86_64', python_version: '3.13', strategy_used: 'wheels', platform_tags: [], packages: [], unzipped_size: 1, zipped_size: 1, largest_packages: [], removed_packages: [], warnings: [] } as const;
    await store.completeArchitecture('build-1', 'x86_64', { files: [{ filename: 'combined-python3.13-x86_64.zip', key: 'builds/build-1/combined-python3.13-x86_64.zip', architecture: 'x86_64', size: 10, sha256: 'ab' }], report: { ...report, platform_tags: [], packages: [], largest_packages: [], removed_packages: [], warnings: [] } }, now);

    const again = await client.builds.$post({ json: { ...good, architectures: ['x86_64'], requirements: '# same\nrequests == 2.32.4\nnumpy\n' } });
    expect(again.status).toBe(200);
    const body = (await again.json()) as unknown as { build_id: string; cached: boolean; status: string; files: Array<{ download_url: string }> };
    expect(body).toMatchObject({ build_id: 'build-1', cached: true, status: 'COMPLETED' });
    expect(body.files[0]!.download_url).toMatch(/^http:\/\/127\.0\.0\.1:9\/downloads\/builds\/build-1\/combined-python3\.13-x86_64\.zip\?/);

    const fresh = await client.builds.$post({ json: { ...good, architectures: ['x86_64'], no_cache: true } });
    expect(fresh.status).toBe(202);
    expect(sent).toEqual(['build-1', 'build-2']);
  });
});

describe('GET /builds/{id}', () => {
  it('shows status, per-architecture progress and the seed fields', async () => {
    const client = testClient(createApp(makeDeps()));
    await client.builds.$post({ json: { ...good, architectures: ['x86_64', 'arm64'] } });
    const response = await client.builds[':id'].$get({ param: { id: 'build-1' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      build_id: 'build-1',
      status: 'QUEUED',
      python_version: '3.13',
      architectures: ['x86_64', 'arm64'],
      single_file: true,
      files: [],
      progress: { x86_64: { status: 'QUEUED' }, arm64: { status: 'QUEUED' } },
    });
  });

  it.each(['nope', '../../etc/passwd', 'x'.repeat(100)])('answers 404 for %s', async (id) => {
    const response = await createApp(makeDeps()).request(`/builds/${encodeURIComponent(id)}`);
    expect(response.status).toBe(404);
  });

  it('serves the build log per architecture', async () => {
    const deps = makeDeps();
    const client = testClient(createApp(deps));
    await client.builds.$post({ json: { ...good, architectures: ['x86_64'] } });
    await deps.logs.write('build-1', 'x86_64', 'pip install ...\n');
    const response = await client.builds[':id'].logs.$get({ param: { id: 'build-1' } });
    expect(await response.json()).toMatchObject({ build_id: 'build-1', logs: { x86_64: 'pip install ...\n' } });
  });
});

describe('the rest of the API', () => {
  it('lists the five runtimes with OS, glibc and deprecation', async () => {
    const response = await testClient(createApp(makeDeps())).runtimes.$get();
    const body = await response.json();
    expect(body.runtimes.map((r) => r.python_version)).toEqual(['3.10', '3.11', '3.12', '3.13', '3.14']);
    expect(body.runtimes[0]).toMatchObject({ os: 'Amazon Linux 2', glibc: 'glibc 2.26', stage: 'create_blocked' });
  });

  it('asks for the token when one is configured, and not for /health', async () => {
    const app = createApp(makeDeps({ apiToken: 'secret-token-1234567890' }));
    expect((await app.request('/builds/build-1')).status).toBe(401);
    expect((await app.request('/builds', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await app.request('/builds/build-1', { headers: { Authorization: 'Bearer secret-token-1234567890' } })).status).toBe(404);
    expect((await app.request('/health')).status).toBe(200);
  });

  it('answers CORS preflight for the allowed origin', async () => {
    const response = await createApp(makeDeps()).request('/builds', {
      method: 'OPTIONS',
      headers: { Origin: 'https://site.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://site.example');
  });

  it('hides internal errors behind a generic 500', async () => {
    const deps = makeDeps();
    deps.store.get = async () => {
      throw new Error('disk on fire at /secret/path');
    };
    const response = await createApp(deps).request('/builds/build-1');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('/secret/path');
    expect(reported.join()).toContain('unhandled error');
  });
});
