import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleLambda } from '../../infra/lambda-bundle.js';
import type { BenchContext } from './context.js';
import { mark, median } from './measure.js';

const ENTRIES = [
  { name: 'API', entry: 'api/lambda.ts' },
  { name: 'worker', entry: 'worker/lambda.ts' },
] as const;

const ENV = {
  TABLE_NAME: 'builds',
  BUCKET_NAME: 'artifacts',
  QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/builds',
  AWS_REGION: 'eu-central-1',
  LAUNCH_TEMPLATE_X86_64: 'lt-0123456789abcdef0',
  LAUNCH_TEMPLATE_ARM64: 'lt-0fedcba9876543210',
  AGENT_KEY: 'agent/agent.mjs',
  PROJECT: 'layer-builder',
};

/** Time from nothing to the handler module imported, in a fresh Node process each time. */
function initMilliseconds(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...ENV } }, (error, stdout) =>
      error ? reject(error) : resolve(Number(stdout.trim())),
    ),
  );
}

/** Sizes of the Lambda bundles (esbuild, as the Pulumi program builds them) and their module init time. */
export async function lambdaBundlesSection(context: BenchContext): Promise<string[]> {
  context.log('Lambda bundles: sizes and init');
  // Inside node_modules so the bundles find the AWS SDK there, as they find the runtime's on Lambda.
  const dir = await mkdtemp(join(context.projectRoot, 'node_modules', '.bench-bundles-'));
  const rows: string[] = [];
  let apiBytes = 0;
  try {
    for (const { name, entry } of ENTRIES) {
      const bundle = await bundleLambda(entry);
      const file = join(dir, `${name}.mjs`);
      await writeFile(file, bundle.code);
      const inits: number[] = [];
      for (let i = 0; i < context.runs * 2; i++) inits.push(await initMilliseconds(file));
      if (name === 'API') apiBytes = bundle.bytes;
      const top = bundle.composition.slice(0, 3).map((part) => `${part.name} ${(part.bytes / 1024).toFixed(0)} KB`).join(', ');
      rows.push(`| ${name} (\`${entry}\`) | ${(bundle.bytes / 1024).toFixed(0)} KB | ${top} | ${median(inits).toFixed(0)} ms |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    '## Lambda bundles',
    '',
    'Built by `infra/lambda-bundle.ts` (the same function the Pulumi program uses): esbuild, ESM for Node 22, minified; the AWS SDK v3 is not bundled because the nodejs22.x runtime provides it, and zod keeps only its English messages. Init = importing the handler module in a fresh Node process here (median of ' +
      `${context.runs * 2}), with the SDK loaded from node_modules; Lambda adds its own sandbox start.`,
    '',
    '| bundle | minified size | largest parts | module init |',
    '|---|---|---|---|',
    ...rows,
    '',
    `API bundle under 500 KB: ${mark(apiBytes < 500 * 1024)}. zod dominates both bundles (its classic API is not tree-shaken); the project's own code is about a tenth.`,
    '',
  ];
}
