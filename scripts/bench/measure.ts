import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Wall time and peak memory of a command, measured by GNU time around it. */
export interface Measurement {
  seconds: number;
  /** Largest resident set of the command or any child it waited for, in MB. */
  peakMb?: number;
}

const GNU_TIME = '/usr/bin/time';

export async function measureCommand(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-time-'));
  const report = join(dir, 'time.txt');
  const withTime = existsSync(GNU_TIME);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const [cmd, argv] = withTime ? [GNU_TIME, ['-f', '%e %M', '-o', report, command, ...args]] : [command, args];
    execFile(cmd, argv, { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  let peakMb: number | undefined;
  if (withTime) {
    const [, kb] = (await readFile(report, 'utf8')).trim().split('\n').pop()!.split(' ');
    peakMb = Number(kb) / 1024;
  }
  await rm(dir, { recursive: true, force: true });
  return { seconds, peakMb };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(runs: Measurement[]): { seconds: number; peakMb?: number; all: number[] } {
  const peaks = runs.map((run) => run.peakMb).filter((peak): peak is number => peak !== undefined);
  return { seconds: median(runs.map((run) => run.seconds)), peakMb: peaks.length ? Math.max(...peaks) : undefined, all: runs.map((r) => r.seconds) };
}

export const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
