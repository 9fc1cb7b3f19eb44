import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { validateBuildRequest } from '../../core/build-request.js';
import type { Architecture } from '../../core/runtime-catalog.js';
import { buildLayer } from '../../builder/build-layer.js';
import { createDockerEngine } from '../../builder/container-engine.js';
import { createContainerImportCheck, createHostImportCheck, firstAvailableImportCheck } from '../../builder/import-check.js';
import { LayerBuildError } from '../../builder/layer-build-error.js';
import { buildRequestBody, type BuildCommand } from './args.js';
import type { BuildOutcome } from './outcome.js';

/** Builds on this machine with the same engine the service runs, one architecture after another. */
export async function buildHere(command: BuildCommand, progress: (arch: Architecture, line: string) => void): Promise<BuildOutcome> {
  const started = Date.now();
  const { request, requirements } = validateBuildRequest(buildRequestBody(command));
  const outDir = resolve(command.out);
  await mkdir(outDir, { recursive: true });
  const outcome: BuildOutcome = { status: 'COMPLETED', python_version: request.python_version, files: [], failures: {}, report: {}, seconds: 0 };
  const engine = createDockerEngine();
  const importCheck = command.checkImports
    ? firstAvailableImportCheck([createHostImportCheck(), createContainerImportCheck({ engine, imagePrefix: command.imagePrefix })])
    : undefined;
  for (const arch of request.architectures) {
    try {
      const built = await buildLayer(
        { request, requirements, arch, outDir, log: (line) => progress(arch, line) },
        {
          index: { indexUrl: command.indexUrl, extraIndexUrls: command.extraIndexUrls },
          container: { engine, imagePrefix: command.imagePrefix },
          importCheck,
        },
      );
      outcome.files.push(...built.files.map(({ filename, path, architecture, size, sha256 }) => ({ filename, path, architecture, size, sha256 })));
      outcome.report[arch] = built.report;
    } catch (error) {
      if (!(error instanceof LayerBuildError)) throw error;
      outcome.status = 'FAILED';
      outcome.failures[arch] = error.message;
    }
  }
  outcome.seconds = (Date.now() - started) / 1000;
  return outcome;
}
