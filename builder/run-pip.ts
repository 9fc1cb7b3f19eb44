import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MarkerEnvironment } from '../core/marker-environment.js';
import { normalizeName } from '../core/requirements.js';
import { redactUrl } from './index-client.js';
import { PIP_TARGET_ENV_PY } from './python-scripts.js';
import { runProcess, type ProcessResult } from './run-process.js';

/**
 * Runs pip through builder/pip-target-env.py, so environment markers are judged for the
 * target runtime, in a scrubbed environment: no PIP_* variables, no config file
 * (PIP_CONFIG_FILE=/dev/null), HOME in a fresh temporary directory, only PATH kept from
 * the parent. Arguments go as an argv array; no shell is involved.
 */

export interface RunPipOptions {
  /** pip's argv, starting with the command, e.g. `['install', ...wheelsInstallArgs(...)]`. */
  args: readonly string[];
  markerEnvironment: MarkerEnvironment;
  /** Interpreter that runs pip; default `python3` from PATH. */
  python?: string;
  timeoutMs: number;
  /** Called with each line of combined stdout and stderr as it arrives. */
  onOutput?: (line: string) => void;
  cwd?: string;
  /** Path of a pip-target-env.py; default a copy of builder/pip-target-env.py written for this run. */
  shim?: string;
}

export type PipRun = ProcessResult;

/** Start of the last output line of a run stopped at its time limit. */
export const TIMEOUT_MARKER = '[pip was stopped after';

/** The whole environment pip sees. */
export function pipEnvironment(home: string, path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): Record<string, string> {
  return {
    PATH: path,
    HOME: home,
    PIP_CONFIG_FILE: '/dev/null',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
  };
}

export async function runPip(opts: RunPipOptions): Promise<PipRun> {
  const home = await mkdtemp(join(tmpdir(), 'pip-home-'));
  try {
    return await spawnPip(opts, home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function spawnPip(opts: RunPipOptions, home: string): Promise<PipRun> {
  const python = opts.python ?? 'python3';
  let shim = opts.shim;
  if (!shim) {
    // Written per run rather than read beside this module: the agent runs as a one-file bundle.
    shim = join(home, 'pip-target-env.py');
    await writeFile(shim, PIP_TARGET_ENV_PY);
  }
  const argv = [shim, JSON.stringify(opts.markerEnvironment), ...opts.args];
  const result = await runProcess(python, argv, { cwd: opts.cwd, env: pipEnvironment(home), timeoutMs: opts.timeoutMs, onOutput: opts.onOutput }).catch(
    (error: Error) => {
      throw new Error(`could not start ${python} to run pip: ${(error.cause as Error | undefined)?.message ?? error.message}`, { cause: error });
    },
  );
  if (!result.timedOut) return result;
  const marker = `${TIMEOUT_MARKER} ${opts.timeoutMs} ms]`;
  opts.onOutput?.(marker);
  return { ...result, output: `${result.output}\n${marker}` };
}

export interface ResolvedPackage {
  name: string;
  /** PEP 503 normalized name. */
  key: string;
  version: string;
  /** Named in the requirements (true) or pulled in as a dependency (false). */
  requested: boolean;
  requestedExtras: string[];
  requiresDist: string[];
  /** Where pip downloaded it from, credentials and fragment removed. */
  url: string;
  sha256?: string;
}

export class PipReportError extends Error {
  override name = 'PipReportError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Reads pip's installation report (`pip install --report FILE`, format version 1). */
export async function readPipReport(file: string): Promise<ResolvedPackage[]> {
  let report: unknown;
  try {
    report = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PipReportError(`pip's report ${file} could not be read`, { cause: error });
  }
  if (!isRecord(report) || !Array.isArray(report.install)) {
    throw new PipReportError(`pip's report ${file} has no "install" list`);
  }
  return report.install.map((item: unknown, index): ResolvedPackage => {
    const metadata = isRecord(item) ? item.metadata : undefined;
    const download = isRecord(item) ? item.download_info : undefined;
    if (!isRecord(item) || !isRecord(metadata) || typeof metadata.name !== 'string' || typeof metadata.version !== 'string') {
      throw new PipReportError(`pip's report ${file}: install[${index}] has no metadata name and version`);
    }
    const rawUrl = isRecord(download) && typeof download.url === 'string' ? download.url : '';
    const archive = isRecord(download) ? download.archive_info : undefined;
    const hashes = isRecord(archive) ? archive.hashes : undefined;
    const legacyHash = isRecord(archive) && typeof archive.hash === 'string' ? /^sha256=([0-9a-f]{64})$/i.exec(archive.hash)?.[1] : undefined;
    const sha256 = isRecord(hashes) && typeof hashes.sha256 === 'string' ? hashes.sha256 : legacyHash;
    const resolved: ResolvedPackage = {
      name: metadata.name,
      key: normalizeName(metadata.name),
      version: metadata.version,
      requested: item.requested === true,
      requestedExtras: strings(item.requested_extras),
      requiresDist: strings(metadata.requires_dist),
      url: redactUrl(rawUrl.split('#')[0] ?? ''),
    };
    if (sha256) resolved.sha256 = sha256.toLowerCase();
    return resolved;
  });
}
