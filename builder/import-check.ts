import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Architecture, RuntimeInfo } from '../core/runtime-catalog.js';
import type { Layout } from '../core/schemas.js';
import type { ContainerEngine } from './container-engine.js';
import { hostArchitecture } from './container-plan.js';
import { extractZip } from './extract-zip.js';
import { importCheckArgs, importCheckImage } from './import-check-plan.js';
import { LayerBuildError } from './layer-build-error.js';
import { layerPrefix } from './layer-files.js';
import { IMPORT_CHECK_PY } from './python-scripts.js';
import { runProcess, type ProcessResult } from './run-process.js';

/**
 * The import check: every top-level module of a finished layer zip is imported by the
 * target runtime's Python, so a layer that would fail on Lambda with an ImportError (a
 * missing shared library, a wrong ABI, a dependency left out) fails the build instead.
 */
export interface ImportCheckInput {
  /** The unpacked zip: what Lambda mounts at /opt. */
  layerDir: string;
  /** Where the packages sit in it, e.g. `python/lib/python3.13/site-packages/`. */
  prefix: string;
  runtime: RuntimeInfo;
  arch: Architecture;
  timeoutMs: number;
  log: (line: string) => void;
}

export type ImportCheckResult =
  | { ran: true; where: string; python: string; ok: string[]; failed: Record<string, string> }
  | { ran: false; reason: string };

/** One way to run import-check.py with the target Python. */
export interface ImportCheck {
  run(input: ImportCheckInput): Promise<ImportCheckResult>;
}

const MAX_FAILURES_SHOWN = 20;
const ERROR_LINES = 3;
const ERROR_LINE_CHARS = 300;

function nativeProblem(arch: Architecture): string | undefined {
  const host = hostArchitecture();
  return host === arch ? undefined : `it needs a native ${arch} host (this one is ${host ?? process.arch})`;
}

/** The JSON line import-check.py prints last; undefined when it never got that far. */
export function parseImportCheckOutput(output: string): { python: string; ok: string[]; failed: Record<string, string> } | undefined {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{"python"')) continue;
    try {
      const parsed = JSON.parse(line) as { python?: unknown; ok?: unknown; failed?: unknown };
      if (typeof parsed.python !== 'string' || !Array.isArray(parsed.ok) || typeof parsed.failed !== 'object' || parsed.failed === null) continue;
      return {
        python: parsed.python,
        ok: parsed.ok.filter((name): name is string => typeof name === 'string'),
        failed: Object.fromEntries(Object.entries(parsed.failed).map(([name, error]) => [name, String(error)])),
      };
    } catch {
      continue;
    }
  }
  return undefined;
}

function interpret(result: ProcessResult, where: string, timeoutMs: number): ImportCheckResult {
  if (result.timedOut) return { ran: false, reason: `it did not finish within ${Math.round(timeoutMs / 1000)} s` };
  const parsed = parseImportCheckOutput(result.output);
  if (parsed) return { ran: true, where, ...parsed };
  const tail = result.output.trim().split('\n').slice(-3).join(' | ') || 'no output';
  return { ran: false, reason: `${where} exited with ${result.exitCode ?? 'a signal'} before reporting (${tail})` };
}

async function withScript<T>(use: (scriptDir: string) => Promise<T>): Promise<T> {
  const scriptDir = await mkdtemp(join(tmpdir(), 'import-check-script-'));
  try {
    await writeFile(join(scriptDir, 'import-check.py'), IMPORT_CHECK_PY, { mode: 0o644 });
    return await use(scriptDir);
  } finally {
    await rm(scriptDir, { recursive: true, force: true });
  }
}

/**
 * In the runtime's official image (Lambda's base image, or the SAM build image from the
 * operator's registry) on the native architecture, through the container engine.
 */
export function createContainerImportCheck(opts: { engine: ContainerEngine; imagePrefix?: string }): ImportCheck {
  return {
    async run(input) {
      const native = nativeProblem(input.arch);
      if (native) return { ran: false, reason: native };
      const engineProblem = await opts.engine.checkEngine();
      if (engineProblem) return { ran: false, reason: engineProblem };
      const where = importCheckImage(input.runtime, input.arch, opts.imagePrefix);
      return withScript(async (scriptDir) => {
        const args = importCheckArgs({
          runtime: input.runtime,
          arch: input.arch,
          imagePrefix: opts.imagePrefix,
          layerDir: input.layerDir,
          scriptDir,
          prefix: input.prefix,
          user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
        });
        input.log(`docker ${args.join(' ')}`);
        return interpret(await opts.engine.run(args, { timeoutMs: input.timeoutMs }), where, input.timeoutMs);
      });
    },
  };
}

/**
 * With `python3.X` of the target version on this machine (native architecture only). It
 * runs isolated and without site-packages (`-I -S`), so nothing installed here can stand
 * in for what the layer lacks; the OS and glibc are this machine's, not Lambda's.
 */
export function createHostImportCheck(opts: { pythonFor?: (version: string) => string } = {}): ImportCheck {
  return {
    async run(input) {
      const native = nativeProblem(input.arch);
      if (native) return { ran: false, reason: native };
      const python = opts.pythonFor?.(input.runtime.python_version) ?? `python${input.runtime.python_version}`;
      const probe = await runProcess(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeoutMs: 15_000 }).catch(
        () => undefined,
      );
      const version = probe?.exitCode === 0 ? probe.output.trim().split('\n').pop() : undefined;
      if (version !== input.runtime.python_version) {
        return { ran: false, reason: `${python} (Python ${input.runtime.python_version}) is not installed here` };
      }
      const where = `${python} on this machine`;
      return withScript(async (scriptDir) => {
        const siteDir = join(input.layerDir, input.prefix).replace(/\/+$/, '');
        const args = ['-I', '-S', '-B', join(scriptDir, 'import-check.py'), siteDir];
        input.log(`${python} ${args.join(' ')}`);
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scriptDir, PYTHONDONTWRITEBYTECODE: '1' };
        return interpret(await runProcess(python, args, { timeoutMs: input.timeoutMs, env, cwd: scriptDir }), where, input.timeoutMs);
      });
    },
  };
}

/** The first of `checks` that can run here; the reasons of all when none can. */
export function firstAvailableImportCheck(checks: ImportCheck[]): ImportCheck {
  return {
    async run(input) {
      const reasons: string[] = [];
      for (const check of checks) {
        const result = await check.run(input);
        if (result.ran) return result;
        reasons.push(result.reason);
      }
      return { ran: false, reason: reasons.join('; ') || 'no import check is configured' };
    },
  };
}

function firstLines(error: string): string {
  return error
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(0, ERROR_LINES)
    .map((line) => (line.length > ERROR_LINE_CHARS ? `${line.slice(0, ERROR_LINE_CHARS)}...` : line))
    .join('\n      ');
}

/**
 * Unpacks one layer zip and imports every top-level module with the target Python.
 * Throws LayerBuildError naming each module that failed and its error. Answers warnings:
 * when the check could not run (it never fails a build for that), and for modules that
 * only failed for want of the runtime's own AWS SDK after the request excluded it.
 */
export async function verifyLayerImports(args: {
  zip: { path: string; filename: string };
  runtime: RuntimeInfo;
  arch: Architecture;
  layout: Layout;
  check: ImportCheck;
  timeoutMs: number;
  log: (line: string) => void;
  /** Top-level modules of the AWS SDK removed from the layer (the runtime provides them). */
  runtimeProvided?: ReadonlySet<string>;
  workRoot?: string;
}): Promise<string[]> {
  const work = await mkdtemp(join(args.workRoot ?? tmpdir(), 'import-check-'));
  try {
    await extractZip(args.zip.path, work);
    const result = await args.check.run({
      layerDir: work,
      prefix: layerPrefix(args.layout, args.runtime),
      runtime: args.runtime,
      arch: args.arch,
      timeoutMs: args.timeoutMs,
      log: args.log,
    });
    if (!result.ran) {
      args.log(`import check of ${args.zip.filename} did not run: ${result.reason}`);
      return [`${args.zip.filename} was not import-checked: ${result.reason}`];
    }
    const warnings: string[] = [];
    const failures: Array<[string, string]> = [];
    for (const [module, error] of Object.entries(result.failed)) {
      const missing = /No module named '([^'.]+)/.exec(error)?.[1];
      if (missing && args.runtimeProvided?.has(missing)) {
        warnings.push(`${module} was not import-checked: it needs ${missing} from the runtime's AWS SDK, which ${result.where} does not have`);
      } else {
        failures.push([module, error]);
      }
    }
    if (failures.length > 0) {
      const total = result.ok.length + Object.keys(result.failed).length;
      const shown = failures.slice(0, MAX_FAILURES_SHOWN).map(([module, error]) => `  - ${module}: ${firstLines(error)}`);
      const more = failures.length > MAX_FAILURES_SHOWN ? [`  ... and ${failures.length - MAX_FAILURES_SHOWN} more`] : [];
      throw new LayerBuildError(
        `${args.zip.filename} does not import on ${args.runtime.runtime} (${args.arch}): ${failures.length} of ${total} top-level module${total === 1 ? '' : 's'} failed in ${result.where} (Python ${result.python}):\n${[...shown, ...more].join('\n')}`,
      );
    }
    args.log(`import check: ${result.ok.length} top-level modules of ${args.zip.filename} import on Python ${result.python} (${result.where})`);
    return warnings;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
