import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarkerEnvironment } from '../core/marker-environment.js';
import { normalizeName } from '../core/requirements.js';
import { redactUrl } from './index-client.js';

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
  /** Path of pip-target-env.py; default the one beside this module. */
  shim?: string;
}

export interface PipRun {
  /** null when pip was ended by a signal (e.g. on timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** Combined output, the last OUTPUT_CAP_BYTES of it when pip was very talkative. */
  output: string;
}

export const OUTPUT_CAP_BYTES = 2 * 1024 * 1024;
/** Start of the last output line of a run stopped at its time limit. */
export const TIMEOUT_MARKER = '[pip was stopped after';
const KILL_GRACE_MS = 3_000;

export const DEFAULT_SHIM = fileURLToPath(new URL('./pip-target-env.py', import.meta.url));

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

class OutputBuffer {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;

  add(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.bytes > OUTPUT_CAP_BYTES && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.dropped++;
    }
  }

  text(): string {
    const head = this.dropped ? [`[${this.dropped} earlier lines of pip output dropped]`] : [];
    return [...head, ...this.lines].join('\n');
  }
}

export async function runPip(opts: RunPipOptions): Promise<PipRun> {
  const home = await mkdtemp(join(tmpdir(), 'pip-home-'));
  try {
    return await spawnPip(opts, home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function spawnPip(opts: RunPipOptions, home: string): Promise<PipRun> {
  const argv = [opts.shim ?? DEFAULT_SHIM, JSON.stringify(opts.markerEnvironment), ...opts.args];
  const child = spawn(opts.python ?? 'python3', argv, {
    cwd: opts.cwd,
    env: pipEnvironment(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout ends pip and anything it started.
    detached: true,
  });
  const output = new OutputBuffer();
  const emit = (line: string): void => {
    output.add(line);
    opts.onOutput?.(line);
  };
  const flushers = [child.stdout, child.stderr].map((stream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      lines.forEach(emit);
    });
    return () => {
      if (partial) emit(partial);
      partial = '';
    };
  });

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const timeout = setTimeout(() => {
    timedOut = true;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
  }, opts.timeoutMs);

  return new Promise<PipRun>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      reject(new Error(`could not start ${opts.python ?? 'python3'} to run pip: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      flushers.forEach((flush) => flush());
      if (timedOut) emit(`${TIMEOUT_MARKER} ${opts.timeoutMs} ms]`);
      resolve({ exitCode: code, timedOut, output: output.text() });
    });
  });
}

/** One package pip installed, from its `--report` JSON. */
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
