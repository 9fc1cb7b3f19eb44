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
  /** Past this, the architecture is failed as too slow, whatever step it is in. */
  timeLimitMs?: number;
  /** Named in the log's first line, e.g. the instance that builds. */
  host?: string;
  /** Sees every log line as it is written (the agent prints them on its console). */
  echo?: (line: string) => void;
  /** How often the log is written to the LogStore; default 3 s. */
  logFlushMs?: number;
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
  const log = createBuildLog({ logs: deps.logs, buildId, arch, now, echo: deps.echo, flushEveryMs: deps.logFlushMs });
  const outDir = await mkdtemp(join(deps.builder.workRoot ?? tmpdir(), 'layer-out-'));
  let timer: NodeJS.Timeout | undefined;
  try {
    const host = deps.host ? ` on ${deps.host}` : '';
    log.line(`build ${buildId}: python${record.request.python_version} ${arch}, strategy ${record.request.strategy}${host}`);
    const work = async () => {
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
      return { files, report: built.report };
    };
    const limit = deps.timeLimitMs;
    const running = work();
    const result =
      limit === undefined
        ? await running
        : await Promise.race([
            running,
            new Promise<never>((_, reject) => {
              running.catch(() => {}); // the loser of the race may still fail later; nobody waits for it
              timer = setTimeout(
                () => reject(new LayerBuildError(`the build did not finish within the builder's time limit (${formatMinutes(limit)})`)),
                limit,
              );
            }),
          ]);
    await deps.store.completeArchitecture(buildId, arch, result, now());
    log.line('done');
  } catch (error) {
    const message =
      error instanceof LayerBuildError
        ? error.message
        : `the builder hit an internal error (${error instanceof Error ? error.message : String(error)})`;
    log.line(`FAILED: ${message}`);
    await deps.store.failArchitecture(buildId, arch, message, now());
  } finally {
    clearTimeout(timer);
    await log.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Math.round(minutes)} min` : `${Math.round(ms / 1000)} s`;
}
