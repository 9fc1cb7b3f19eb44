import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What every benchmark section shares: inputs, a scratch dir, progress output. */
export interface BenchContext {
  projectRoot: string;
  indexUrl: string;
  runs: number;
  requirements: string;
  python: '3.11';
  tsx: string;
  work: string;
  log(line: string): void;
  freshDir(name: string): Promise<string>;
}

export function createBenchContext(args: Omit<BenchContext, 'freshDir' | 'log' | 'tsx' | 'python'>): BenchContext {
  return {
    ...args,
    python: '3.11',
    tsx: join(args.projectRoot, 'node_modules/.bin/tsx'),
    log: (line) => console.error(line),
    async freshDir(name) {
      const dir = join(args.work, name);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      return dir;
    },
  };
}

