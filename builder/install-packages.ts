import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Architecture, RuntimeInfo } from '../core/runtime-catalog.js';
import { markerEnvironment } from '../core/marker-environment.js';
import type { Requirement } from '../core/requirements.js';
import type { Strategy } from '../core/schemas.js';
import type { ContainerEngine } from './container-engine.js';
import { containerInstallArgs, hostArchitecture } from './container-plan.js';
import { LayerBuildError } from './layer-build-error.js';
import { explainPipFailure, type PipFailure } from './pip-failure.js';
import { wheelsInstallArgs, type IndexOptions } from './pip-plan.js';
import { runPip } from './run-pip.js';

/**
 * Puts the packages into `<workDir>/output/site-packages` with the requested strategy:
 * wheels (host pip told the target's tags and markers), container (pip in the runtime's
 * SAM build image on a native host), or auto (wheels, then container for what has no
 * fitting wheel, else a failure naming each package and the nearest fix).
 */
export interface InstallContext {
  runtime: RuntimeInfo;
  arch: Architecture;
  strategy: Strategy;
  requirements: Requirement[];
  /** Holds input/requirements.txt; output/ receives site-packages and report.json. */
  workDir: string;
  index: IndexOptions;
  python: string;
  timeoutMs: number;
  container?: { engine: ContainerEngine; imagePrefix?: string };
  log: (line: string) => void;
}

export function installPaths(workDir: string) {
  return {
    inputDir: join(workDir, 'input'),
    requirementsFile: join(workDir, 'input', 'requirements.txt'),
    outputDir: join(workDir, 'output'),
    siteDir: join(workDir, 'output', 'site-packages'),
    reportFile: join(workDir, 'output', 'report.json'),
  };
}

class WheelsFailed extends Error {
  override name = 'WheelsFailed';
  constructor(readonly failure: PipFailure) {
    super(failure.message);
  }
}

async function installWheels(context: InstallContext): Promise<void> {
  const paths = installPaths(context.workDir);
  const args = ['install', ...wheelsInstallArgs({
    runtime: context.runtime,
    arch: context.arch,
    targetDir: paths.siteDir,
    requirementsFile: paths.requirementsFile,
    reportFile: paths.reportFile,
    index: context.index,
  })];
  context.log(`pip install (wheels for ${context.runtime.runtime} ${context.arch}, ${context.runtime.os})`);
  const result = await runPip({
    args,
    markerEnvironment: markerEnvironment(context.runtime, context.arch),
    python: context.python,
    timeoutMs: context.timeoutMs,
    onOutput: context.log,
  });
  if (result.exitCode === 0 && !result.timedOut) return;
  const failure = await explainPipFailure(result.output, {
    timedOut: result.timedOut,
    runtime: context.runtime,
    arch: context.arch,
    requirements: context.requirements,
    index: context.index,
  });
  throw new WheelsFailed(failure);
}

/** Why the container strategy cannot run here, or undefined when it can. */
async function containerUnavailable(context: InstallContext): Promise<string | undefined> {
  if (!context.container) return 'this builder has no container engine configured';
  const host = hostArchitecture();
  if (host !== context.arch) {
    return `container builds for ${context.arch} need a native ${context.arch} host (this one is ${host ?? process.arch})`;
  }
  return context.container.engine.checkEngine();
}

async function installInContainer(context: InstallContext): Promise<void> {
  const reason = await containerUnavailable(context);
  if (reason) throw new LayerBuildError(`The container strategy cannot run: ${reason}.`);
  const paths = installPaths(context.workDir);
  const args = containerInstallArgs({
    runtime: context.runtime,
    arch: context.arch,
    imagePrefix: context.container!.imagePrefix,
    inputDir: paths.inputDir,
    outputDir: paths.outputDir,
    index: context.index,
    user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
  });
  context.log(`docker ${args.join(' ')}`);
  const result = await context.container!.engine.run(args, { timeoutMs: context.timeoutMs, onOutput: context.log });
  if (result.exitCode === 0 && !result.timedOut) return;
  const tail = result.output.trim().split('\n').slice(-5).join('\n');
  throw new LayerBuildError(
    result.timedOut
      ? `The container build timed out after ${Math.round(context.timeoutMs / 1000)} s.`
      : `pip failed inside ${args.find((arg) => arg.includes('build-python'))}:\n${tail}`,
  );
}

export async function installPackages(context: InstallContext): Promise<'wheels' | 'container'> {
  const paths = installPaths(context.workDir);
  await mkdir(paths.outputDir, { recursive: true });
  if (context.strategy === 'container') {
    await installInContainer(context);
    return 'container';
  }
  try {
    await installWheels(context);
    return 'wheels';
  } catch (error) {
    if (!(error instanceof WheelsFailed)) throw error;
    const needsCompiling = error.failure.kind === 'no-fitting-wheel' || error.failure.kind === 'source-only';
    if (context.strategy !== 'auto' || !needsCompiling) throw new LayerBuildError(error.failure.message);
    const reason = await containerUnavailable(context);
    if (reason) {
      throw new LayerBuildError(`${error.failure.message}\nThe auto strategy would build ${error.failure.packages.join(', ') || 'them'} in the runtime's container, but ${reason}.`);
    }
    context.log(`no fitting wheel for ${error.failure.packages.join(', ')}: building in the ${context.runtime.runtime} container`);
    await rm(paths.siteDir, { recursive: true, force: true });
    await installInContainer(context);
    return 'container';
  }
}
