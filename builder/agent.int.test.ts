import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bundleLambda } from '../infra/lambda-bundle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.js';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createS3ArtifactStore } from '../core/aws/s3-artifact-store.js';
import { createS3LogStore } from '../core/aws/s3-log-store.js';
import type { BuildQueue, BuildStore, LogStore } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { BuildRequestInput } from '../core/schemas.js';
import {
  createDocumentClient,
  createS3Client,
  createTestBucket,
  createTestTable,
  S3RVER_CREDENTIALS,
  startDynalite,
  startS3rver,
  type Emulator,
} from '../test/emulators.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { extractZip, importFromLayer } from '../test/layer-zip.js';
import { writeSdist, writeWheel } from '../test/wheel-factory.js';
import { processBuild } from '../worker/process-build.js';
import { parseAgentConfig, type AgentConfig } from './agent-config.js';
import { createDockerEngine } from './container-engine.js';
import { createContainerImportCheck, type ImportCheck } from './import-check.js';
import { runAgent, type AgentOptions } from './run-agent.js';

let dynamo: Emulator;
let s3: Emulator;
let index: IndexServer;
let scratch: string;
let wheels: string;
let prebuilt: string;
let tableName: string;
let bucket: string;
let documentClient: DynamoDBDocumentClient;
let s3Client: S3Client;
let store: BuildStore;
let logStore: LogStore;
let app: ReturnType<typeof createApp>;
const queued: string[] = [];

const OK_IMPORTS = '{"python": "3.11.14", "ok": ["alpha", "beta"], "failed": {}}';

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([startDynalite(), startS3rver()]);
  scratch = await mkdtemp(join(tmpdir(), 'agent-'));
  wheels = await mkdtemp(join(tmpdir(), 'agent-wheels-'));
  prebuilt = await mkdtemp(join(tmpdir(), 'agent-prebuilt-'));
  await writeWheel(wheels, { name: 'alpha', version: '1.0', requires: ['beta>=1'] });
  await writeWheel(wheels, { name: 'beta', version: '1.2', files: { 'beta/core.py': 'def answer():\n    return 42\n' } });
  await writeSdist(wheels, { name: 'sourceonly', version: '1.0' });
  // What pip inside the SAM build image would have made of the sdist.
  await writeWheel(prebuilt, { name: 'sourceonly', version: '1.0' });
  index = await startIndexServer(wheels);

  documentClient = createDocumentClient(dynamo.endpoint);
  s3Client = createS3Client(s3.endpoint);
  tableName = await createTestTable(documentClient);
  bucket = await createTestBucket(s3Client);
  store = createDynamoBuildStore({ client: documentClient, tableName });
  logStore = createS3LogStore({ client: s3Client, bucket });
  const queue: BuildQueue = { send: async (buildId) => void queued.push(buildId), activeCount: async () => 0 };
  app = createApp({
    store,
    queue,
    artifacts: createS3ArtifactStore({ client: s3Client, bucket }),
    logs: logStore,
    config: { artifactTtlSeconds: 3600, maxActiveBuilds: 10, allowedOrigins: ['*'] },
  });
});

afterAll(async () => {
  documentClient?.destroy();
  s3Client?.destroy();
  await index?.close();
  await Promise.all([dynamo?.stop(), s3?.stop()]);
  for (const dir of [scratch, wheels, prebuilt]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** POST /builds as a user would, then the worker's claim; answers the build id and the launched architectures. */
async function submitted(body: Partial<BuildRequestInput> & { requirements: string }): Promise<{ id: string; launched: Architecture[] }> {
  const response = await app.request('/builds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ python_version: '3.11', architectures: ['x86_64'], no_cache: true, ...body }),
  });
  expect(response.status).toBe(202);
  const { build_id: id } = (await response.json()) as { build_id: string };
  expect(queued).toContain(id);
  const launched: Architecture[] = [];
  expect(await processBuild({ store, launcher: { launch: async (_id, arch) => void launched.push(arch) } }, id)).toBe('launched');
  return { id, launched };
}

function agentConfig(buildId: string, env: Record<string, string> = {}): AgentConfig {
  return parseAgentConfig({
    BUILD_ID: buildId,
    ARCH: 'x86_64',
    TABLE_NAME: tableName,
    BUCKET_NAME: bucket,
    AWS_REGION: 'us-east-1',
    INDEX_URL: index.url,
    MAX_BUILD_MINUTES: '10',
    ...env,
  });
}

/**
 * A stand-in `docker` that records each call on a line: for pip in the build image it
 * unpacks the prebuilt wheel into the /output mount; for the import check it prints
 * `importResult`.
 */
async function fakeDocker(importResult = OK_IMPORTS): Promise<{ path: string; calls: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(scratch, 'docker-'));
  const callsFile = join(dir, 'calls');
  const path = join(dir, 'docker');
  await writeFile(join(dir, 'import-result'), `${importResult}\n`);
  await writeFile(
    path,
    `#!/bin/bash
if [ "$1" = version ]; then echo 28.2.2; exit 0; fi
echo "$*" >> '${callsFile}'
for ((i = 1; i <= $#; i++)); do
  if [ "\${!i}" = --volume ]; then
    j=$((i + 1)); spec=\${!j}
    case "$spec" in *:/output) output=\${spec%%:*} ;; esac
  fi
done
if [ -n "\${output:-}" ]; then
  mkdir -p "$output/site-packages" && python3 -m zipfile -e '${join(prebuilt, 'sourceonly-1.0-py3-none-any.whl')}' "$output/site-packages"
  exit $?
fi
cat '${join(dir, 'import-result')}'
`,
  );
  await chmod(path, 0o755);
  return { path, calls: async () => (await readFile(callsFile, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean) };
}

async function agentOptions(extra: Partial<AgentOptions> = {}, importResult?: string): Promise<AgentOptions & { calls: () => Promise<string[]> }> {
  const docker = await fakeDocker(importResult);
  return { engine: createDockerEngine({ docker: docker.path }), workRoot: scratch, logFlushMs: 50, ...extra, calls: docker.calls };
}

async function view(id: string) {
  const response = await app.request(`/builds/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    error_message?: string;
    files: Array<{ filename: string; download_url: string; size: number; sha256: string }>;
    progress: Record<string, { status: string; error_message?: string }>;
    report: Record<string, { packages: Array<{ name: string; version: string }>; strategy_used: string; warnings: string[] }>;
  };
}

async function logsOf(id: string): Promise<Record<string, string>> {
  return ((await (await app.request(`/builds/${id}/logs`)).json()) as { logs: Record<string, string> }).logs;
}

/** Polls until `ready` is true (the log store is written on a timer); fails after `ms`. */
async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('builder agent against DynamoDB and S3 emulators', () => {
  it('builds a claimed build end to end; the zip downloads through the API and imports; the log is in S3 while it runs', async () => {
    const { id, launched } = await submitted({ requirements: 'alpha\n' });
    expect(launched).toEqual(['x86_64']);
    const options = await agentOptions();
    let logWhileRunning = '';
    const inImage = createContainerImportCheck({ engine: options.engine! });
    const watching: ImportCheck = {
      async run(input) {
        // The build is between packaging and upload: its log must already be readable.
        logWhileRunning = (await eventually(() => logStore.read(id), (logs) => (logs.x86_64 ?? '').includes('pip install'))).x86_64 ?? '';
        return inImage.run(input);
      },
    };

    const outcome = await runAgent(agentConfig(id), { dynamo: documentClient, s3: s3Client }, { ...options, importCheck: watching });

    expect(outcome).toEqual({ status: 'COMPLETED' });
    expect(logWhileRunning).toContain('pip install (wheels for python3.11 x86_64, Amazon Linux 2)');
    expect(logWhileRunning).not.toContain('stored ');
    const built = await view(id);
    expect(built.status).toBe('COMPLETED');
    expect(built.progress.x86_64?.status).toBe('COMPLETED');
    expect(built.report.x86_64?.packages.map((p) => `${p.name}==${p.version}`)).toEqual(['alpha==1.0', 'beta==1.2']);
    expect(built.files.map((f) => f.filename)).toEqual(['combined-python3.11-x86_64.zip']);

    const file = built.files[0]!;
    const download = await fetch(file.download_url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(file.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    const zipPath = join(scratch, file.filename);
    await writeFile(zipPath, bytes);
    const site = join(extractZip(zipPath), 'python/lib/python3.11/site-packages');
    expect(importFromLayer(site, 'import alpha, beta.core; print(alpha.__version__, beta.core.answer())').trim()).toBe('1.0 42');

    const calls = await options.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('--network none');
    expect(calls[0]).toContain('--entrypoint python3.11 public.ecr.aws/lambda/python:3.11-x86_64');
    const log = (await logsOf(id)).x86_64 ?? '';
    expect(log).toContain('import check: 2 top-level modules of combined-python3.11-x86_64.zip import on Python 3.11.14');
    expect(log).toContain('stored combined-python3.11-x86_64.zip');
    expect(log.trim().endsWith('done')).toBe(true);
  });

  it("compiles what has no wheel in the operator's SAM build image, and import-checks in it", async () => {
    const { id } = await submitted({ requirements: 'sourceonly\n', strategy: 'auto' });
    const options = await agentOptions({}, '{"python": "3.11.14", "ok": ["sourceonly"], "failed": {}}');

    const outcome = await runAgent(agentConfig(id, { BUILDER_IMAGE_PREFIX: 'registry.example.com/sam' }), { dynamo: documentClient, s3: s3Client }, options);

    expect(outcome).toEqual({ status: 'COMPLETED' });
    expect((await view(id)).report.x86_64?.strategy_used).toBe('container');
    const calls = await options.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain('registry.example.com/sam/build-python3.11:latest-x86_64 python3.11 -m pip install');
    expect(calls[1]).toContain('--entrypoint python3.11 registry.example.com/sam/build-python3.11:latest-x86_64 -I -B /check/import-check.py');
  });

  it('records FAILED with the import errors by module when the layer does not import on the runtime', async () => {
    const { id } = await submitted({ requirements: 'alpha\n' });
    const failed = { alpha: "ModuleNotFoundError: No module named 'gone'" };
    const options = await agentOptions({}, JSON.stringify({ python: '3.11.14', ok: ['beta'], failed }));

    const outcome = await runAgent(agentConfig(id), { dynamo: documentClient, s3: s3Client }, options);

    expect(outcome.status).toBe('FAILED');
    const built = await view(id);
    expect(built.status).toBe('FAILED');
    expect(built.error_message).toContain('x86_64: combined-python3.11-x86_64.zip does not import on python3.11 (x86_64): 1 of 2 top-level modules failed');
    expect(built.error_message).toContain("  - alpha: ModuleNotFoundError: No module named 'gone'");
    expect(built.files).toEqual([]);
    expect((await logsOf(id)).x86_64).toContain('FAILED: combined-python3.11-x86_64.zip does not import');
  });

  it('records FAILED naming the package when pip finds nothing to install', async () => {
    const { id } = await submitted({ requirements: 'sourceonly\n', strategy: 'wheels' });
    const outcome = await runAgent(agentConfig(id), { dynamo: documentClient, s3: s3Client }, await agentOptions());
    expect(outcome.status).toBe('FAILED');
    const built = await view(id);
    expect(built.status).toBe('FAILED');
    expect(built.progress.x86_64?.error_message).toContain('sourceonly');
    expect((await logsOf(id)).x86_64).toContain('FAILED: ');
  });

  it('records FAILED when the build outlives its time limit, and says so', async () => {
    const { id } = await submitted({ requirements: 'alpha\n' });
    let release: () => void = () => {};
    const stuck: ImportCheck = { run: () => new Promise((resolve) => (release = () => resolve({ ran: false, reason: 'released' }))) };

    const outcome = await runAgent(agentConfig(id), { dynamo: documentClient, s3: s3Client }, await agentOptions({ importCheck: stuck, timeLimitMs: 2_000 }));
    release();

    expect(outcome).toEqual({ status: 'FAILED', message: "the build did not finish within the builder's time limit (2 s)" });
    expect((await view(id)).error_message).toBe("x86_64: the build did not finish within the builder's time limit (2 s)");
  });

  it('leaves alone a build that is gone, finished, or does not ask for its architecture', async () => {
    const clients = { dynamo: documentClient, s3: s3Client };
    expect(await runAgent(agentConfig('0b7e5b53-52a1-4c3e-a1ae-1c5d1c0f9d11'), clients, await agentOptions())).toMatchObject({ status: 'SKIPPED' });

    const { id } = await submitted({ requirements: 'alpha\n' });
    expect(await runAgent(agentConfig(id, { ARCH: 'arm64' }), clients, await agentOptions())).toEqual({
      status: 'SKIPPED',
      reason: `build ${id} does not ask for arm64`,
    });
    await store.failBuild(id, 'cancelled', new Date());
    const options = await agentOptions();
    expect(await runAgent(agentConfig(id), clients, options)).toEqual({ status: 'SKIPPED', reason: `build ${id} is FAILED (x86_64: FAILED)` });
    expect(await options.calls()).toEqual([]);
    expect(await logsOf(id)).toEqual({});
  });
});

describe('the agent bundle', () => {
  it('runs as one file, as the bootstrap runs it, with docker from PATH and its Python helpers inside', async () => {
    const outDir = await mkdtemp(join(scratch, 'bundle-'));
    const bundle = join(outDir, 'agent.mjs');
    // The bundle the Pulumi program uploads, run outside the project: nothing beside it.
    await writeFile(bundle, (await bundleLambda('builder/agent.ts', { includeAwsSdk: true })).code);
    const docker = await fakeDocker();
    const { id } = await submitted({ requirements: 'alpha\n' });

    const env = {
      PATH: `${join(docker.path, '..')}:${process.env.PATH}`,
      HOME: outDir,
      BUILD_ID: id,
      ARCH: 'x86_64',
      TABLE_NAME: tableName,
      BUCKET_NAME: bucket,
      AWS_REGION: 'us-east-1',
      INDEX_URL: index.url,
      MAX_BUILD_MINUTES: '30',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    };
    const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bundle], { cwd: outDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });

    expect(run.output).toContain(`"message":"agent finished","buildId":"${id}","arch":"x86_64","status":"COMPLETED"`);
    expect(run.code).toBe(0);
    expect(run.output).toContain('pip install (wheels for python3.11 x86_64');
    expect((await view(id)).status).toBe('COMPLETED');
    expect(await docker.calls()).toHaveLength(1);
  });

  it('stops at once naming every missing setting', async () => {
    const outDir = await mkdtemp(join(scratch, 'bundle-bad-'));
    const entry = join(outDir, 'agent.mjs');
    await writeFile(entry, (await bundleLambda('builder/agent.ts', { includeAwsSdk: true })).code);
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH, ARCH: 'sparc' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/bad agent configuration: BUILD_ID: .*; ARCH: expected x86_64 or arm64; TABLE_NAME: .*; BUCKET_NAME: .*; AWS_REGION: /);
  });
});
