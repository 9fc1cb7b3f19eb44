import { runProcess, type ProcessResult } from './run-process.js';

/**
 * Runs the docker CLI (argv only, never a shell). `checkEngine` tells whether an engine
 * answers, since a docker client alone cannot run anything.
 */
export interface ContainerEngine {
  /** Undefined when an engine answers; otherwise why not, in words for the user. */
  checkEngine(): Promise<string | undefined>;
  run(args: string[], opts: { timeoutMs: number; onOutput?: (line: string) => void }): Promise<ProcessResult>;
}

export function createDockerEngine(opts: { docker?: string } = {}): ContainerEngine {
  const docker = opts.docker ?? 'docker';
  return {
    async checkEngine() {
      const result = await runProcess(docker, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).catch(
        (error: Error) => ({ exitCode: null, timedOut: false, output: error.message }),
      );
      if (result.exitCode === 0 && result.output.trim()) return undefined;
      const reason = result.output.trim().split('\n').pop() ?? 'no answer';
      return `no container engine answered (\`${docker} version\`: ${reason})`;
    },
    run: (args, runOpts) => runProcess(docker, args, runOpts),
  };
}
