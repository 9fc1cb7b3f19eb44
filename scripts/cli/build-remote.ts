import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Architecture } from '../../core/runtime-catalog.js';
import { apiClient, apiErrorFrom, type ApiClient } from './api-client.js';
import { buildRequestBody, type BuildCommand } from './args.js';
import type { BuildOutcome } from './outcome.js';

const POLL_MS = 2000;
const GIVE_UP_MS = 45 * 60_000;

async function followLogs(client: ApiClient, buildId: string, seen: Map<string, number>, progress: (arch: Architecture, line: string) => void) {
  const response = await client.builds[':id'].logs.$get({ param: { id: buildId } });
  if (!response.ok) return;
  const { logs } = await response.json();
  for (const [arch, text] of Object.entries(logs) as Array<[Architecture, string]>) {
    const from = seen.get(arch) ?? 0;
    const fresh = text.length >= from ? text.slice(from) : text;
    seen.set(arch, text.length);
    for (const line of fresh.split('\n').filter(Boolean)) progress(arch, line.replace(/^\d\d:\d\d:\d\d /, ''));
  }
}

async function download(url: string, path: string, sha256: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`download of ${path} failed: ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`download of ${path} is corrupt (sha256 ${actual}, expected ${sha256})`);
  await writeFile(path, bytes);
}

/** Submits to a build service through the typed client, follows it, downloads the zips. */
export async function buildRemote(command: BuildCommand, progress: (arch: Architecture | undefined, line: string) => void): Promise<BuildOutcome> {
  const started = Date.now();
  const client = apiClient(command.api!, command.token);
  const submitted = await client.builds.$post({ json: buildRequestBody(command) });
  if (submitted.status !== 200 && submitted.status !== 202) throw await apiErrorFrom(submitted);
  const { build_id: buildId, cached } = (await submitted.json()) as { build_id: string; cached: boolean };
  if (!cached) progress(undefined, `queued as build ${buildId}`);

  const seen = new Map<string, number>();
  let view;
  for (;;) {
    const response = await client.builds[':id'].$get({ param: { id: buildId } });
    if (!response.ok) throw await apiErrorFrom(response);
    view = await response.json();
    if (!cached) await followLogs(client, buildId, seen, progress);
    if (view.status === 'COMPLETED' || view.status === 'FAILED') break;
    if (Date.now() - started > GIVE_UP_MS) throw new Error(`build ${buildId} is still ${view.status} after ${GIVE_UP_MS / 60_000} minutes`);
    await sleep(POLL_MS);
  }

  const outDir = resolve(command.out);
  await mkdir(outDir, { recursive: true });
  const files: BuildOutcome['files'] = [];
  for (const file of view.files) {
    const path = join(outDir, file.filename);
    await download(file.download_url, path, file.sha256);
    files.push({ filename: file.filename, path, architecture: file.architecture, size: file.size, sha256: file.sha256 });
  }
  const failures: BuildOutcome['failures'] = {};
  for (const [arch, state] of Object.entries(view.progress) as Array<[Architecture, { status: string; error_message?: string }]>) {
    if (state.status === 'FAILED') failures[arch] = state.error_message ?? view.error_message ?? 'failed';
  }
  if (view.status === 'FAILED' && Object.keys(failures).length === 0) failures[view.architectures[0]!] = view.error_message ?? 'failed';
  return {
    status: view.status,
    build_id: buildId,
    cached,
    python_version: view.python_version,
    files,
    failures,
    report: view.report,
    seconds: (Date.now() - started) / 1000,
  };
}
