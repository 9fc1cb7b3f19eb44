import { spawn } from 'node:child_process';

/**
 * Runs a program from an argv array (never a shell) in its own process group with a time
 * limit: on timeout the group gets SIGTERM, then SIGKILL, so nothing it started lingers.
 * Output (stdout and stderr together) is streamed line by line and its tail kept.
 */
export interface ProcessResult {
  /** null when ended by a signal (e.g. on timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** Combined output, the last OUTPUT_CAP_BYTES of it for very talkative programs. */
  output: string;
}

export interface ProcessOptions {
  timeoutMs: number;
  onOutput?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const OUTPUT_CAP_BYTES = 2 * 1024 * 1024;
const KILL_GRACE_MS = 3_000;

class OutputTail {
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
    const head = this.dropped ? [`[${this.dropped} earlier lines of output dropped]`] : [];
    return [...head, ...this.lines].join('\n');
  }
}

/** Process groups still running, ended if this process exits first (a child in its own group would outlive it). */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of runningGroups) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    });
  }
  runningGroups.add(pid);
  return () => runningGroups.delete(pid);
}

/** Rejects only when the program cannot be started (e.g. not installed). */
export function runProcess(command: string, args: readonly string[], opts: ProcessOptions): Promise<ProcessResult> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const untrack = trackGroup(child.pid);
  const output = new OutputTail();
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

  return new Promise<ProcessResult>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      untrack();
      reject(new Error(`could not start ${command}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      untrack();
      flushers.forEach((flush) => flush());
      resolve({ exitCode: code, timedOut, output: output.text() });
    });
  });
}
