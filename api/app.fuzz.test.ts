import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskArtifactStore } from '../core/local/disk-artifact-store.js';
import { createFileBuildStore } from '../core/local/file-build-store.js';
import { createFileLogStore } from '../core/local/file-log-store.js';
import { createApp } from './app.js';

let dir: string;
let app: ReturnType<typeof createApp>;
let active = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fuzz-'));
  app = createApp({
    store: createFileBuildStore({ dir }),
    queue: { send: async () => void (active += 1), activeCount: async () => active % 12 },
    artifacts: createDiskArtifactStore({ dir: join(dir, 'artifacts'), baseUrl: 'http://127.0.0.1:9', secret: 's'.repeat(32) }),
    logs: createFileLogStore({ dir }),
    config: { artifactTtlSeconds: 3600, maxActiveBuilds: 10, allowedOrigins: ['*'] },
    report: () => {},
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const requirementLine = fc.oneof(
  fc.string(),
  fc.constantFrom('requests', 'numpy==1.26.4', 'pkg[extra]>=1,<2', 'x ; python_version < "3.12"', '-e .', 'git+https://x/y', '--hash=sha256:00', '$(id)', '\\', '#'),
  fc.string({ unit: 'grapheme' }),
);
const plausibleBody = fc.record(
  {
    requirements: fc.oneof(fc.array(requirementLine, { maxLength: 30 }).map((lines) => lines.join('\n')), fc.anything()),
    python_version: fc.oneof(fc.constantFrom('3.10', '3.11', '3.12', '3.13', '3.14', '3.9', '3.13.1'), fc.anything()),
    architectures: fc.oneof(fc.array(fc.constantFrom('x86_64', 'arm64', 'aarch64', ''), { maxLength: 3 }), fc.anything()),
    single_file: fc.oneof(fc.boolean(), fc.anything()),
    strategy: fc.oneof(fc.constantFrom('auto', 'wheels', 'container', 'docker'), fc.anything()),
    layout: fc.oneof(fc.constantFrom('site-packages', 'python'), fc.anything()),
    no_cache: fc.anything(),
    slim: fc.anything(),
    exclude_runtime_sdk: fc.anything(),
  },
  { requiredKeys: [] },
);
const rawBody = fc.oneof(
  plausibleBody.map((body) => JSON.stringify(body)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

describe('POST /builds under fuzzed bodies', () => {
  it('never answers 5xx, and always answers JSON with an error or a build', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom('application/json', 'text/plain', ''), async (body, contentType) => {
        const response = await app.request('/builds', { method: 'POST', body, headers: contentType ? { 'Content-Type': contentType } : {} });
        expect(response.status).toBeLessThan(500);
        const json = (await response.json()) as { error?: string; build_id?: string };
        expect(json.error ?? json.build_id).toBeTruthy();
      }),
      { numRuns: 400 },
    );
  });
});
