import { spawn } from 'node:child_process';

/**
 * Runs a program from an argv array (never a shell) with a time limit: on timeout the
 * whole process group is killed. Output is streamed line by line and kept up to a cap.
 */
export interface ProcessResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

const OUTPUT_LIMIT = 2 * 1024 * 1024;

export function runProcess(
  command: string,
  args: string[],
  opts: { timeoutMs: number; onOutput?: (line: string) => void; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let pending = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: opts.env, cwd: opts.cwd });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (output.length < OUTPUT_LIMIT) output += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) opts.onOutput?.(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: null, timedOut, output: `${output}${error.message}\n` });
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      if (pending) opts.onOutput?.(pending);
      resolve({ exitCode, timedOut, output });
    });
  });
}

