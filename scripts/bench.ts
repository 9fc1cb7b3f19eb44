import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../infra/lambda-bundle.js';
import { buildVsSeedSection } from './bench/build-vs-seed.js';
import { createBenchContext } from './bench/context.js';
import { lambdaBundlesSection } from './bench/lambda-bundles.js';
import { repeatRequestSection } from './bench/repeat-request.js';
import { zipStepSection } from './bench/zip-step.js';

/**
 * `npm run bench`: this builder side by side with what a user would otherwise run, on the
 * same requirements and index, in one run; writes BENCHMARKS.md. Settings (env):
 * BENCH_INDEX_URL (default this machine's mirror file:///opt/pypi/simple), BENCH_RUNS (5),
 * BENCH_REQUIREMENTS (examples/requirements.txt).
 */
const context = createBenchContext({
  projectRoot: PROJECT_ROOT,
  indexUrl: process.env.BENCH_INDEX_URL ?? 'file:///opt/pypi/simple',
  runs: Number(process.env.BENCH_RUNS ?? 5),
  requirements: resolve(process.env.BENCH_REQUIREMENTS ?? join(PROJECT_ROOT, 'examples/requirements.txt')),
  work: await mkdtemp(join(tmpdir(), 'bench-')),
});

try {
  const buildVsSeed = await buildVsSeedSection(context);
  const zipStep = await zipStepSection(context, buildVsSeed.seedTree);
  const repeat = await repeatRequestSection(context);
  const bundles = await lambdaBundlesSection(context);
  const estimateFile = join(PROJECT_ROOT, 'scripts/bench/spot-estimate.md');
  const estimate = existsSync(estimateFile) ? ['', (await readFile(estimateFile, 'utf8')).trim(), ''] : [];
  const python = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  const lines = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${python}.`,
    `Requirements: \`${context.requirements.replace(`${PROJECT_ROOT}/`, '')}\` for python${context.python} x86_64; index \`${context.indexUrl}\`; median of ${context.runs} runs each, alternating; peak memory from GNU time (largest process, pip included).`,
    '',
    ...buildVsSeed.comparison,
    ...zipStep,
    ...repeat,
    ...bundles,
    ...buildVsSeed.imports,
    ...estimate,
  ];
  await writeFile(join(PROJECT_ROOT, 'BENCHMARKS.md'), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await rm(context.work, { recursive: true, force: true });
}
