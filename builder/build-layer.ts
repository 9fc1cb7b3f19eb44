import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerEnvironment } from '../core/marker-environment.js';
import { evaluateMarker, parseMarker } from '../core/markers.js';
import { formatRequirement, type Requirement } from '../core/requirements.js';
import { allowedPlatformTags, deprecationStage, RUNTIMES, type Architecture } from '../core/runtime-catalog.js';
import type { ArchReport, BuildRequest, PackageSize } from '../core/schemas.js';
import type { ContainerEngine } from './container-engine.js';
import { dependenciesOf, dependencyClosure, type Root } from './dependency-graph.js';
import { verifyLayerImports, type ImportCheck } from './import-check.js';
import { inspectLayerTree } from './inspect-layer.js';
import { installPackages, installPaths } from './install-packages.js';
import { readInstalledDistributions, type InstalledDistribution } from './installed-distributions.js';
import { LayerBuildError } from './layer-build-error.js';
import { formatBytes, LAMBDA_LIMITS } from './layer-files.js';
import { packageLayers, type LayerZip } from './package-layers.js';
import type { IndexOptions } from './pip-plan.js';
import { RUNTIME_SDK, runtimeSdkRemovals } from './runtime-sdk.js';
import { slimTree } from './slim.js';

/** Operator settings of the builder (never from the request). */
export interface BuilderOptions {
  index: IndexOptions;
  /** Host Python that runs pip for the wheels strategy. */
  python?: string;
  pipTimeoutMs?: number;
  container?: { engine: ContainerEngine; imagePrefix?: string };
  /** Imports every top-level module of each zip with the target Python before it is accepted. */
  importCheck?: ImportCheck;
  workRoot?: string;
}

export interface LayerBuildInput {
  request: BuildRequest;
  requirements: Requirement[];
  arch: Architecture;
  /** Where the zips are written. */
  outDir: string;
  log?: (line: string) => void;
  /** ISO date for deprecation warnings; defaults to today. */
  today?: string;
}

export interface BuiltLayer {
  files: LayerZip[];
  report: ArchReport;
}

const LARGEST_SHOWN = 10;

function applicableRoots(requirements: Requirement[], environment: ReturnType<typeof markerEnvironment>): Root[] {
  return requirements
    .filter((requirement) => !requirement.marker || evaluateMarker(parseMarker(requirement.marker), environment))
    .map((requirement) => ({ key: requirement.key, extras: requirement.extras }));
}

function packageSizes(distributions: InstalledDistribution[]): PackageSize[] {
  return distributions.map(({ name, version, size }) => ({ name, version, size }));
}

function largest(packages: PackageSize[]): PackageSize[] {
  return [...packages].sort((a, b) => b.size - a.size || a.name.localeCompare(b.name)).slice(0, LARGEST_SHOWN);
}

/** The importable name a distribution's file belongs to: `botocore/x.py` -> botocore, `six.py` -> six. */
function topLevelModule(file: string): string {
  return (file.split('/')[0] ?? '').replace(/\.py$/, '').split('.')[0] ?? '';
}

/** Deletes the distributions' files, then the directories that this left empty. */
async function removeDistributions(siteDir: string, distributions: InstalledDistribution[]): Promise<void> {
  const parents = new Set<string>();
  for (const distribution of distributions) {
    for (const file of distribution.files) {
      await rm(join(siteDir, file), { force: true, recursive: true });
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'));
    }
  }
  const deepestFirst = [...parents].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of deepestFirst) await rmdir(join(siteDir, dir)).catch(() => {}); // not empty: still used
}

/**
 * Builds the layer zip(s) for one architecture: install, clean, check every binary and
 * the size limits, package deterministically, report. Throws LayerBuildError with a
 * message for the user when the layer would not work on Lambda.
 */
export async function buildLayer(input: LayerBuildInput, options: BuilderOptions): Promise<BuiltLayer> {
  const { request, arch } = input;
  const log = input.log ?? (() => {});
  const runtime = RUNTIMES[request.python_version];
  const environment = markerEnvironment(runtime, arch);
  const warnings: string[] = [];

  const stage = deprecationStage(runtime, input.today ?? new Date().toISOString().slice(0, 10));
  if (stage !== 'supported') {
    warnings.push(
      `${runtime.runtime} is deprecated on Lambda since ${runtime.deprecation.deprecated}` +
        (stage === 'deprecated' ? '' : `; new functions cannot use it since ${runtime.deprecation.block_create}`) +
        `; updates are blocked from ${runtime.deprecation.block_update}`,
    );
  }

  const workDir = await mkdtemp(join(options.workRoot ?? tmpdir(), 'layer-build-'));
  try {
    const paths = installPaths(workDir);
    await mkdir(paths.inputDir, { recursive: true });
    await writeFile(paths.requirementsFile, input.requirements.map(formatRequirement).join('\n') + '\n');

    if (applicableRoots(input.requirements, environment).length === 0) {
      throw new LayerBuildError(
        `none of the requirements applies to ${runtime.runtime} on ${arch} (Linux): the environment marker of every line excludes it, so the layer would be empty`,
      );
    }

    const strategyUsed = await installPackages({
      runtime,
      arch,
      strategy: request.strategy,
      requirements: input.requirements,
      workDir,
      index: options.index,
      python: options.python ?? 'python3',
      timeoutMs: options.pipTimeoutMs ?? 15 * 60_000,
      container: options.container,
      log,
    });
    await mkdir(paths.siteDir, { recursive: true });
    // --target writes console scripts with the build host's shebang: useless in a layer.
    await rm(join(paths.siteDir, 'bin'), { recursive: true, force: true });

    let distributions = await readInstalledDistributions(paths.siteDir);
    const roots = applicableRoots(input.requirements, environment);

    const removedKeys = request.exclude_runtime_sdk ? runtimeSdkRemovals(roots, distributions, environment) : [];
    const removed = distributions.filter((distribution) => removedKeys.includes(distribution.key));
    if (removedKeys.length > 0) {
      await removeDistributions(paths.siteDir, removed);
      distributions = distributions.filter((distribution) => !removedKeys.includes(distribution.key));
      log(`removed the runtime's AWS SDK: ${removed.map((d) => `${d.name} ${d.version}`).join(', ')}`);
      const needers = distributions.filter((distribution) =>
        dependenciesOf(distribution, [], environment).some((dependency) => RUNTIME_SDK.has(dependency.key)),
      );
      for (const needer of needers) {
        warnings.push(`${needer.name} needs the AWS SDK; it will use the version built into ${runtime.runtime}`);
      }
    }

    if (request.slim) {
      const slimmed = await slimTree(paths.siteDir);
      log(`slim: removed ${slimmed.removedFiles} files (${formatBytes(slimmed.removedBytes)})`);
      distributions = await readInstalledDistributions(paths.siteDir);
    }

    const inspection = await inspectLayerTree(paths.siteDir, { runtime, arch });
    const errors = inspection.findings.filter((finding) => finding.severity === 'error');
    warnings.push(...inspection.findings.filter((finding) => finding.severity === 'warning').map((finding) => finding.message));
    if (errors.length > 0) {
      const shown = errors.slice(0, 10).map((finding) => `  - ${finding.message}`);
      const more = errors.length > 10 ? [`  ... and ${errors.length - 10} more`] : [];
      throw new LayerBuildError(
        `The layer would fail on ${runtime.runtime} (${arch}, ${runtime.os}); ${errors.length} binary file${errors.length === 1 ? '' : 's'} cannot load there:\n${[...shown, ...more].join('\n')}`,
      );
    }

    const packages = packageSizes(distributions);
    if (inspection.bytes > LAMBDA_LIMITS.unzippedBytes) {
      const list = largest(packages).map((p) => `  - ${p.name} ${p.version}: ${formatBytes(p.size)}`);
      throw new LayerBuildError(
        `The layer is ${formatBytes(inspection.bytes)} unzipped; Lambda allows ${formatBytes(LAMBDA_LIMITS.unzippedBytes)} for a function and all its layers. Largest packages:\n${list.join('\n')}`,
      );
    }

    const scopes = request.single_file
      ? undefined
      : roots
          .filter((root, index) => roots.findIndex((other) => other.key === root.key) === index)
          .filter((root) => distributions.some((distribution) => distribution.key === root.key))
          .map((root) => {
            const closure = dependencyClosure([root], distributions, environment);
            const files = new Set(distributions.filter((d) => closure.has(d.key)).flatMap((d) => d.files));
            return { name: root.key, files };
          });
    await mkdir(input.outDir, { recursive: true });
    const files = await packageLayers({ siteDir: paths.siteDir, outDir: input.outDir, runtime, arch, layout: request.layout, scopes });

    for (const file of files) {
      if (file.size > LAMBDA_LIMITS.directUploadZipBytes) {
        warnings.push(
          `${file.filename} is ${formatBytes(file.size)} zipped, over Lambda's ${formatBytes(LAMBDA_LIMITS.directUploadZipBytes)} direct-upload limit: upload it to S3 and publish it with --content S3Bucket=...,S3Key=...`,
        );
      }
    }
    if (options.importCheck) {
      const runtimeProvided = new Set(removed.flatMap((distribution) => distribution.files.map(topLevelModule)));
      for (const file of files) {
        warnings.push(
          ...(await verifyLayerImports({
            zip: file,
            runtime,
            arch,
            layout: request.layout,
            check: options.importCheck,
            timeoutMs: options.pipTimeoutMs ?? 15 * 60_000,
            log,
            runtimeProvided,
            workRoot: options.workRoot,
          })),
        );
      }
    }
    if (scopes && scopes.length > LAMBDA_LIMITS.layersPerFunction) {
      warnings.push(`${scopes.length} layers were built; a function can use at most ${LAMBDA_LIMITS.layersPerFunction}`);
    }
    const headroom = LAMBDA_LIMITS.unzippedBytes - inspection.bytes;
    if (headroom < 50 * 1024 * 1024) {
      warnings.push(`the layer leaves ${formatBytes(headroom)} of Lambda's 250 MB for the function code and other layers`);
    }

    return {
      files,
      report: {
        architecture: arch,
        python_version: runtime.python_version,
        strategy_used: strategyUsed,
        platform_tags: allowedPlatformTags(runtime, arch),
        packages: packages.sort((a, b) => a.name.localeCompare(b.name)),
        unzipped_size: inspection.bytes,
        zipped_size: files.reduce((sum, file) => sum + file.size, 0),
        largest_packages: largest(packages),
        removed_packages: removedKeys,
        warnings,
      },
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
