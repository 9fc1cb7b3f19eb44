import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFinal } from '../core/build-record.js';
import type { ArtifactStore, BuildStore, LogStore } from '../core/ports.js';
import { parseRequirements } from '../core/requirements.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { StoredFile } from '../core/schemas.js';
import { buildLayer, type BuilderOptions } from './build-layer.js';
import { createBuildLog } from './build-log.js';
import { LayerBuildError } from './layer-build-error.js';

export interface ArchitectureBuildDeps {
  store: BuildStore;
  artifacts: ArtifactStore;
  logs: LogStore;
  builder: BuilderOptions;
  now?: () => Date;
}

export function artifactKey(buildId: string, filename: string): string {
  return `builds/${buildId}/${filename}`;
}

/**
 * One architecture of a claimed build, from the record to stored zips: the same steps
 * on this machine (local mode) and on a Spot instance (the agent). The requirements are
 * read from the build record, never from anywhere else. Every outcome is recorded:
 * COMPLETED with files and report, or FAILED with a reason the user can act on.
 */
export async function runArchitectureBuild(deps: ArchitectureBuildDeps, buildId: string, arch: Architecture): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const record = await deps.store.get(buildId);
  if (!record || isFinal(record)) return;
  await deps.store.startArchitecture(buildId, arch, now());
  const log = createBuildLog({ logs: deps.logs, buildId, arch, now });
  const outDir = await mkdtemp(join(deps.builder.workRoot ?? tmpdir(), 'layer-out-'));
  try {
    log.line(`build ${buildId}: python${record.request.python_version} ${arch}, strategy ${record.request.strategy}`);
    const { requirements } = parseRequirements(record.request.requirements);
    const built = await buildLayer(
      { request: record.request, requirements, arch, outDir, log: (line) => log.line(line) },
      deps.builder,
    );
    const files: StoredFile[] = [];
    for (const file of built.files) {
      const key = artifactKey(buildId, file.filename);
      await deps.artifacts.putFile(key, file.path, 'application/zip');
      files.push({ filename: file.filename, key, architecture: arch, size: file.size, sha256: file.sha256 });
      log.line(`stored ${file.filename} (${file.size} bytes, sha256 ${file.sha256})`);
    }
    await deps.store.completeArchitecture(buildId, arch, { files, report: built.report }, now());
    log.line('done');
  } catch (error) {
    const message =
      error instanceof LayerBuildError
        ? error.message
        : `the builder hit an internal error (${error instanceof Error ? error.message : String(error)})`;
    log.line(`FAILED: ${message}`);
    await deps.store.failArchitecture(buildId, arch, message, now());
  } finally {
    await log.close();
    await rm(outDir, { recursive: true, force: true });
  }
}
